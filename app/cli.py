"""The contract's command-line interface."""

import click
from flask import Flask

from app.models import ROLES
from app.services.errors import ValidationFailed


def register(app: Flask) -> None:
    """Attach the commands to `flask --app wsgi ...`."""

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice(ROLES))
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
    def create_token_command(email):
        """Print a new API token for the user, alone on the last line."""
        from app.services.users import create_token, find_user_by_email

        user = find_user_by_email(email)
        if user is None:
            raise click.ClickException(f"no user with email {email}")
        click.echo(create_token(user))

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


def _describe(error: ValidationFailed) -> str:
    return "; ".join(f"{field}: {message}" for field, message in error.errors.items())
