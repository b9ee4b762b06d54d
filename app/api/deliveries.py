"""Webhooks, dealers' e-mail delivery and the delivery log (receipts)."""

from app.api import bp
from app.api.spec import api_endpoint
from app.api.views import json_body
from app.auth import COORDINATORS, api_user, token_required
from app.enums import Role
from app.responses import DealerDeliveryOut, DeliveryOut, Items, WebhookOut
from app.schemas import DealerDeliveryIn, WebhookIn, parse
from app.services import dealer_mail, dealers, deliveries, visibility, webhooks
from app.services.serialisation import dealer_delivery_out, delivery_out, webhook_out


@bp.post("/webhooks")
@token_required(Role.COORDINATOR)
@api_endpoint("Register a signed webhook", body=WebhookIn, returns=WebhookOut, status=201)
def create_webhook():
    """Register a URL for lead events, signed with the given secret."""
    payload = parse(WebhookIn, json_body())
    webhook = webhooks.create_webhook(payload.url, payload.events, payload.secret)
    return webhook_out(webhook), 201


@bp.get("/webhooks")
@token_required(Role.COORDINATOR)
@api_endpoint("List webhooks", returns=Items[WebhookOut])
def list_webhooks():
    """The registered webhooks (never their secrets)."""
    return Items[WebhookOut](items=[webhook_out(w) for w in webhooks.list_webhooks()])


@bp.delete("/webhooks/<int:webhook_id>")
@token_required(Role.COORDINATOR)
@api_endpoint("Delete a webhook (its delivery log stays)", returns=None, status=204)
def delete_webhook(webhook_id: int):
    """Stop a webhook; its delivery log stays."""
    webhooks.delete_webhook(webhook_id)
    return "", 204


@bp.put("/dealers/<code>/delivery")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "E-mail a dealer's accepted leads (ADF/XML or text)",
    body=DealerDeliveryIn,
    returns=DealerDeliveryOut,
)
def put_dealer_delivery(code: str):
    """E-mail this dealer's accepted leads: {"email", "format": "adf"|"text", "active"}."""
    payload = parse(DealerDeliveryIn, json_body())
    dealer = dealers.get_dealer(code)
    setting = dealer_mail.save_setting(dealer, payload.email, payload.format, payload.active)
    return dealer_delivery_out(dealer, setting)


@bp.get("/dealers/<code>/delivery")
@token_required(Role.COORDINATOR)
@api_endpoint("A dealer's e-mail delivery", returns=DealerDeliveryOut)
def get_dealer_delivery(code: str):
    """Where this dealer's accepted leads are e-mailed, if anywhere."""
    dealer = dealers.get_dealer(code)
    return dealer_delivery_out(dealer, dealer_mail.setting_for(dealer))


@bp.get("/dealers/<code>/deliveries")
@token_required(Role.COORDINATOR)
@api_endpoint("A dealer's delivery receipts, newest first", returns=Items[DeliveryOut])
def list_dealer_deliveries(code: str):
    """The delivery log of a dealer's leads, newest first."""
    rows = deliveries.dealer_deliveries(dealers.get_dealer(code))
    return Items[DeliveryOut](items=[delivery_out(row) for row in rows])


@bp.get("/leads/<lead_id>/deliveries")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint("A lead's delivery receipts, newest first", returns=Items[DeliveryOut])
def list_lead_deliveries(lead_id: str):
    """The delivery log of one lead, newest first."""
    lead = visibility.get_visible_lead(lead_id, api_user())
    rows = deliveries.lead_deliveries(lead.id)
    return Items[DeliveryOut](items=[delivery_out(row) for row in rows])
