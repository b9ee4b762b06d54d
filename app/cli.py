"""The contract's command-line interface."""

from datetime import timedelta

import click
from flask import Flask

from app.enums import Role
from app.services.errors import ValidationFailed


def register(app: Flask) -> None:
    """Attach the commands to `flask --app wsgi ...`."""

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
    @click.option("--dealer", "dealer_code", default=None, help="dealer code for dealer roles")
    @click.option("--password", default=None, help="at least 8 characters")
    @click.option(
        "--region",
        "regions",
        multiple=True,
        help='limit a coordinator to a country ("AT") or postal-code prefix ("DE-80"); repeat',
    )
    def create_user_command(email, role, dealer_code, password, regions):
        """Create a user."""
        from app.services.users import create_user

        try:
            user = create_user(email, role, dealer_code, password, list(regions))
        except ValidationFailed as error:
            raise click.ClickException(_describe(error)) from None
        click.echo(f"created {user.role} {user.email} (id {user.id})")

    @app.cli.command("create-token")
    @click.argument("email")
    @click.option(
        "--expires-in-days", type=click.IntRange(1, 3650), default=None, help="optional expiry"
    )
    def create_token_command(email, expires_in_days):
        """Print a new API token for the user, alone on the last line."""
        from app.clock import utcnow
        from app.services.tokens import issue_token

        user = _user_by_email(email)
        expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        click.echo(issue_token(user, expires_at)[1])

    @app.cli.command("set-password")
    @click.argument("email")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def set_password_command(email, password):
        """Set a user's password; every session of that user ends (all devices sign in again)."""
        from app.services.users import set_password

        try:
            set_password(_user_by_email(email), password)
        except ValidationFailed as error:
            raise click.ClickException(_describe(error)) from None
        click.echo(f"password set for {email}; its sessions have ended")

    @app.cli.command("list-tokens")
    @click.argument("email")
    def list_tokens_command(email):
        """List a user's API tokens: id, prefix, created, last used, expiry, state."""
        from app.services.serialisation import token_out
        from app.services.tokens import tokens_of_user

        user = _user_by_email(email)
        rows = [token_out(row).model_dump(mode="json") for row in tokens_of_user(user)]
        click.echo("id\tprefix\tcreated_at\tlast_used_at\texpires_at\tstate")
        for row in rows:
            state = "revoked" if row["revoked"] else "live"
            fields = [row["id"], row["prefix"], row["created_at"], row["last_used_at"]]
            fields += [row["expires_at"], state]
            click.echo("\t".join(str(value or "-") for value in fields))

    @app.cli.command("revoke-token")
    @click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
    def revoke_token_command(token_id):
        """Revoke an API token by id (see list-tokens); it answers 401 from then on."""
        from app.services.errors import NotFound
        from app.services.tokens import revoke_token

        try:
            row = revoke_token(token_id)
        except NotFound:
            raise click.ClickException(f"no token with id {token_id}") from None
        click.echo(f"revoked token {row.id} ({row.prefix}…) of {row.user.email}")

    @app.cli.command("demo")
    def demo_command():
        """Load the demo network (idempotent) and print the demo logins."""
        from app.demo import load_demo

        for line in load_demo():
            click.echo(line)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="run one pass and exit")
    def worker_command(once):
        """Run the recycling worker alone, in the foreground."""
        from app.worker import run_in_foreground, run_pass

        if once:
            click.echo(run_pass(app))
            return
        run_in_foreground(app)


def _user_by_email(email: str):
    from app.services.users import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def _describe(error: ValidationFailed) -> str:
    return "; ".join(f"{field}: {message}" for field, message in error.errors.items())
