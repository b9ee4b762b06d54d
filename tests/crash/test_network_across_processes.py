"""Two gunicorn servers on one SQLite file: a dealer change made through one is seen by
routing in the other at once, though each routes from its own copy of the network."""

from tests.crash.harness import Server, create_token, dealer_body, flask_cli, lead_body, relay_env


def test_dealer_change_in_one_server_process_reaches_routing_in_the_other(tmp_path):
    env = relay_env(f"sqlite:///{tmp_path / 'shared.db'}", RELAY_WORKER="0")
    flask_cli(env, "db", "upgrade")
    oem = create_token(env, "oem@example.com", "coordinator")
    first = Server(env, tmp_path / "first.log", workers=1).start()
    second = Server(env, tmp_path / "second.log", workers=1).start()
    try:
        for code, lon in (("D1", 13.38), ("D2", 13.20)):  # D1 nearer the customer
            body = dealer_body(code, lon, [])
            status, _ = first.request("PUT", f"/api/v1/dealers/{code}", body, oem)
            assert status == 201
        # Both processes route once, so each now holds its copy with D1 active.
        for server, number in ((first, 1), (second, 2)):
            status, lead = server.request("POST", "/api/v1/leads", lead_body(number), oem)
            assert (status, lead["dealer"]) == (201, "D1")

        body = dealer_body("D1", 13.38, []) | {"active": False}
        status, _ = second.request("PUT", "/api/v1/dealers/D1", body, oem)
        assert status == 200
        status, lead = first.request("POST", "/api/v1/leads", lead_body(3), oem)
        assert (status, lead["dealer"]) == (201, "D2")

        body = dealer_body("D1", 13.38, []) | {"active": True}
        status, _ = first.request("PUT", "/api/v1/dealers/D1", body, oem)
        assert status == 200
        status, lead = second.request("POST", "/api/v1/leads", lead_body(4), oem)
        assert (status, lead["dealer"]) == (201, "D1")
    finally:
        first.stop()
        second.stop()
