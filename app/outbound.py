"""Where the app may send requests: the one check for push endpoints and webhooks (SSRF).

A target URL must be `https` on a host whose every address is public: no loopback
(127.0.0.1, [::1], a name resolving there), no private ranges (10.0.0.1), no link-local
(169.254.169.254, the cloud metadata service), no IPv6 forms that embed such an IPv4
address. `allow_private=True` (RELAY_ALLOW_PRIVATE_TARGETS=1, tests only, never a
default) also lets plain-http and local receivers through.

The check resolves the name itself and the request resolves it again, so senders must
also refuse redirects (webpush's session does) to keep a public host from bouncing a
request inward.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ValueError):
    """The URL may not be requested: wrong scheme, credentials, or a non-public host."""


class TargetUnresolvable(UnsafeTarget):
    """The host name does not resolve (now); a later attempt may succeed."""


def check_outbound_url(url: str, allow_private: bool = False) -> None:
    """Raise UnsafeTarget unless `url` is https on a host whose every address is public."""
    if allow_private:
        _target_parts(url, ("https", "http"))
        return
    host, port = _target_parts(url, ("https",))
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeTarget(f"host {host!r} is local")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise TargetUnresolvable(f"cannot resolve {host!r}: {error}") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
        if not addresses:
            raise TargetUnresolvable(f"{host!r} has no address")
    for address in addresses:
        if not address_is_public(address):
            raise UnsafeTarget(f"host {host!r} is not public ({address})")


def address_is_public(address: Address) -> bool:
    """True for globally routable unicast addresses only."""
    if isinstance(address, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address are judged by that address too.
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            embedded.extend(address.teredo)
        if any(inner is not None and not address_is_public(inner) for inner in embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _target_parts(url: str, allowed_schemes: tuple[str, ...]) -> tuple[str, int]:
    if not isinstance(url, str) or len(url) > 2000:
        raise UnsafeTarget("URL must be a string of at most 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(f"invalid URL: {error}") from None
    if parts.scheme not in allowed_schemes:
        raise UnsafeTarget(
            f"URL scheme must be {' or '.join(allowed_schemes)}, not {parts.scheme!r}"
        )
    if not parts.hostname:
        raise UnsafeTarget("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("URL must not carry credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)
