"""Leadflow's Chalice app: routes and event handlers only. Each handler hands
the event to chalicelib and returns its answer."""

import os

from chalice import AuthResponse, Chalice, Rate, Response

from chalicelib import logs
from chalicelib.web.responses import answers_head, answers_problems
from chalicelib.wiring import services

app = Chalice(app_name="leadflow")
# image/*: mail clients ask for the open pixel with that Accept header
app.api.binary_types = ["image/gif", "image/*"]
logs.install(app.log)

# Chalice needs a literal ARN at import; the deployment template replaces it
# with the table's real stream ARN (infra/), the local stack's pump ignores it.
TABLE_STREAM_ARN = os.environ.get(
    "LEADFLOW_TABLE_STREAM_ARN",
    "arn:aws:dynamodb:eu-central-1:000000000000:table/leadflow/stream/placeholder",
)


@app.authorizer()
def admin_token(auth_request):
    from chalicelib.admin.access import allowed_routes, authorize

    who = authorize(auth_request.token, services().secrets)
    if who is None:
        raise Exception("Unauthorized")  # API Gateway's 401 (a Deny would be 403)
    return AuthResponse(routes=allowed_routes(who), principal_id=who.name)


@app.route("/health", methods=["GET"])
def health():
    from chalicelib.web.health import health

    return health(services())


@app.route("/forms/{form_id}/submissions", methods=["POST"], content_types=["*/*"])
def submit_form(form_id):
    from chalicelib.web import forms

    return forms.submit(services(), form_id, app.current_request)


@app.route("/forms/{form_id}/submissions", methods=["OPTIONS"])
@answers_problems
def submit_form_preflight(form_id):
    from chalicelib.web import forms

    return forms.preflight(services(), form_id, app.current_request)


@app.route("/forms/{form_id}/token", methods=["GET"])
@answers_problems
def form_render_token(form_id):
    from chalicelib.web import forms

    return forms.render_token(services(), form_id, app.current_request)


@app.route("/confirm/{token}", methods=["GET", "HEAD"])
@answers_head(app)
def show_confirmation(token):
    from chalicelib.web import confirm

    return confirm.show(services(), token, app.current_request)


@app.route("/confirm/{token}", methods=["POST"], content_types=["*/*"])
def confirm_opt_in(token):
    from chalicelib.web import confirm

    return confirm.confirm(services(), token, app.current_request)


@app.route("/leads", methods=["GET"], authorizer=admin_token)
@answers_problems
def find_leads():
    from chalicelib.web import admin

    return admin.find_leads(services(), app.current_request.query_params)


@app.route("/leads/{lead_id}", methods=["GET"], authorizer=admin_token)
@answers_problems
def lead_detail(lead_id):
    from chalicelib.web import admin

    return admin.lead_detail(services(), lead_id)


# a placeholder ARN ending in the queue's LocalName; the deployment template sets the queue's
WEBHOOK_QUEUE_ARN = os.environ.get(
    "LEADFLOW_WEBHOOK_QUEUE_ARN", "arn:aws:sqs:eu-central-1:000000000000:leadflow-webhooks"
)


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def on_table_change(event):
    from chalicelib.stream.consumer import process_batch

    return process_batch(event.to_dict()["Records"], services().stream_reactions)


@app.on_sqs_message(queue_arn=WEBHOOK_QUEUE_ARN, batch_size=3)
def deliver_webhooks(event):
    from chalicelib.integrations.consumer import process_webhook_messages

    return process_webhook_messages(event.to_dict(), services().outbound)


@app.route("/webhooks/deliveries/{delivery_id}/resend", methods=["POST"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def resend_webhook_delivery(delivery_id):
    from chalicelib.web import webhooks

    return webhooks.resend_delivery(services(), delivery_id)


# --- unsubscribe and suppression -------------------------------------------
# a placeholder ARN like the stream's: the deployment template sets the queue's
SES_EVENTS_QUEUE_ARN = os.environ.get(
    "LEADFLOW_SES_EVENTS_QUEUE_ARN", "arn:aws:sqs:eu-central-1:000000000000:leadflow-ses-events"
)


@app.route("/unsubscribe/{token}", methods=["GET", "HEAD"])
@answers_head(app)
def show_unsubscribe(token):
    from chalicelib.web import unsubscribe

    return unsubscribe.show(services(), token, app.current_request)


@app.route("/unsubscribe/{token}", methods=["POST"], content_types=["*/*"])
def unsubscribe_lead(token):
    from chalicelib.web import unsubscribe

    return unsubscribe.unsubscribe(services(), token, app.current_request)


@app.on_sqs_message(queue_arn=SES_EVENTS_QUEUE_ARN, batch_size=10)
def on_ses_event(event):
    from chalicelib.suppression.consumer import process_ses_events

    return process_ses_events(event.to_dict(), services().suppression, services().reputation_counters)


# --- activities, tracking and scoring ---------------------------
@app.route("/events", methods=["POST"], content_types=["*/*"])
def post_event():
    from chalicelib.web import activities

    return activities.post_event(services(), app.current_request)


@app.route("/events", methods=["OPTIONS"])
def post_event_preflight():
    from chalicelib.web import activities

    return activities.preflight(services(), app.current_request)


@app.route("/t/o/{token}", methods=["GET", "HEAD"])
def track_open(token):
    from chalicelib.web import tracking

    return tracking.open_pixel(services(), token, app.current_request)


@app.route("/t/c/{token}", methods=["GET", "HEAD"])
def track_click(token):
    from chalicelib.web import tracking

    return tracking.click(services(), token, app.current_request)


@app.route("/leads/{lead_id}/activities", methods=["POST"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def add_lead_activity(lead_id):
    from chalicelib.web import activities

    return activities.add_activity(services(), lead_id, app.current_request)


@app.route("/leads/{lead_id}", methods=["PATCH"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def edit_lead(lead_id):
    from chalicelib.web import activities

    return activities.edit_profile(services(), lead_id, app.current_request)


@app.schedule(Rate(15, unit=Rate.MINUTES))
def rescore_decayed(event):
    return services().scorer.rescore_due()


# the rescore cadence for predictions: it walks the open leads only once the
# counters have moved enough since the last walk
@app.schedule(Rate(15, unit=Rate.MINUTES))
def refresh_predictions(event):
    return services().predictor.refresh_due()


@app.schedule(Rate(7, unit=Rate.DAYS))
def rebuild_prediction(event):
    return services().predictor.rebuild()


# --- routing of sales-qualified leads -----------------------------
# a placeholder ARN ending in the queue's LocalName; the deployment template sets the queue's
ROUTING_QUEUE_ARN = os.environ.get(
    "LEADFLOW_ROUTING_QUEUE_ARN", "arn:aws:sqs:eu-central-1:000000000000:leadflow-routing.fifo"
)


@app.on_sqs_message(queue_arn=ROUTING_QUEUE_ARN, batch_size=3)
def route_sql(event):
    from chalicelib.routing.consumer import process_routing_messages

    return process_routing_messages(event.to_dict(), services().router)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def watch_sla(event):
    return services().router.sla_due()


@app.route("/reps", methods=["GET"], authorizer=admin_token)
def list_reps():
    from chalicelib.web import routing

    return routing.list_reps(services())


@app.route("/reps/{rep_id}", methods=["PUT"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def put_rep(rep_id):
    from chalicelib.web import routing

    return routing.put_rep(services(), rep_id, app.current_request.raw_body)


@app.route("/reps/{rep_id}", methods=["PATCH"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def patch_rep(rep_id):
    from chalicelib.web import routing

    return routing.patch_rep(services(), rep_id, app.current_request.raw_body)


@app.route("/reps/{rep_id}", methods=["GET"], authorizer=admin_token)
@answers_problems
def get_rep(rep_id):
    from chalicelib.web import routing

    return routing.get_rep(services(), rep_id)


@app.route("/reps/{rep_id}", methods=["DELETE"], authorizer=admin_token)
@answers_problems
def delete_rep(rep_id):
    from chalicelib.web import routing

    return routing.delete_rep(services(), rep_id)


@app.route("/assignments", methods=["GET"], authorizer=admin_token)
@answers_problems
def assignments_needing_attention():
    from chalicelib.web import routing

    return routing.needing_attention(services(), app.current_request.query_params)


@app.route("/assignments/{lead_id}", methods=["GET"], authorizer=admin_token)
def lead_assignments(lead_id):
    from chalicelib.web import routing

    return routing.lead_assignments(services(), lead_id)


@app.route("/assignments/{lead_id}/{action}", methods=["POST"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def act_on_assignment(lead_id, action):
    from chalicelib.web import routing

    return routing.admin_act(services(), lead_id, action, app.current_request.raw_body)


@app.route("/rep/{token}/{action}", methods=["GET", "HEAD"])
@answers_head(app)
def show_rep_link(token, action):
    from chalicelib.web import routing

    return routing.show_link(services(), token, action, app.current_request)


@app.route("/rep/{token}/{action}", methods=["POST"], content_types=["*/*"])
def act_on_rep_link(token, action):
    from chalicelib.web import routing

    return routing.act_link(services(), token, action, app.current_request)


@app.route("/reports/speed-to-lead", methods=["GET"], authorizer=admin_token)
@answers_problems
def speed_to_lead_report():
    from chalicelib.web import routing

    return routing.speed_to_lead(services(), app.current_request.query_params)


# --- funnel analytics, GDPR rights, admin API ---------------------
@app.route("/reports/funnel", methods=["GET"], authorizer=admin_token)
@answers_problems
def funnel_report():
    from chalicelib.web import reports

    return reports.funnel_report(services(), app.current_request.query_params)


@app.route("/reports/revenue", methods=["GET"], authorizer=admin_token)
@answers_problems
def revenue_report():
    from chalicelib.web import reports

    return reports.revenue_report(services(), app.current_request.query_params)


@app.route("/reports/funnel.svg", methods=["GET"], authorizer=admin_token)
@answers_problems
def funnel_picture():
    from chalicelib.web import reports

    return reports.funnel_picture(services(), app.current_request.query_params)


@app.route("/campaigns/{campaign}/spend", methods=["PUT"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def set_campaign_spend(campaign):
    from chalicelib.web import reports

    return reports.set_spend(services(), campaign, app.current_request.raw_body)


@app.route("/leads/{lead_id}/export", methods=["GET"], authorizer=admin_token)
@answers_problems
def export_lead(lead_id):
    from chalicelib.web import admin

    return admin.export_lead(services(), lead_id)


@app.route("/leads/{lead_id}", methods=["DELETE"], authorizer=admin_token)
@answers_problems
def erase_lead(lead_id):
    from chalicelib.web import admin

    return admin.erase_lead(services(), lead_id)


@app.route("/openapi.json", methods=["GET"])
def openapi_document():
    from chalicelib.openapi import document_json

    return Response(body=document_json(), status_code=200, headers={"Content-Type": "application/json"})


# --- sending reputation -------------------------------------------
@app.route("/reports/deliverability", methods=["GET"], authorizer=admin_token)
@answers_problems
def deliverability_report():
    from chalicelib.web import deliverability

    return deliverability.report(services(), app.current_request.query_params)


@app.route("/sending/resume", methods=["POST"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def resume_sending():
    from chalicelib.web import deliverability

    return deliverability.resume(services(), app.current_request.raw_body)


# --- bulk import: POST /imports gives a presigned upload URL; the upload's
# S3 event reaches the worker through the import queue (Chalice cannot package
# @app.on_s3_event for CloudFormation), which also carries its hand-overs.
# A placeholder ARN ending in the queue's LocalName; the deployment template sets the queue's
IMPORT_QUEUE_ARN = os.environ.get("LEADFLOW_IMPORT_QUEUE_ARN", "arn:aws:sqs:eu-central-1:000000000000:leadflow-imports")


@app.route("/imports", methods=["POST"], authorizer=admin_token, content_types=["*/*"])
@answers_problems
def start_import():
    from chalicelib.web import imports

    return imports.start(services(), app.current_request.raw_body)


@app.route("/imports", methods=["GET"], authorizer=admin_token)
@answers_problems
def latest_imports():
    from chalicelib.web import imports

    return imports.latest(services(), app.current_request.query_params)


@app.route("/imports/{import_id}", methods=["GET"], authorizer=admin_token)
@answers_problems
def import_status(import_id):
    from chalicelib.web import imports

    return imports.show(services(), import_id)


@app.route("/imports/{import_id}/errors", methods=["GET"], authorizer=admin_token)
@answers_problems
def import_errors(import_id):
    from chalicelib.web import imports

    return imports.errors(services(), import_id, app.current_request)


@app.on_sqs_message(queue_arn=IMPORT_QUEUE_ARN, batch_size=1)
def import_worker(event):
    from chalicelib.imports.consumer import process_import_messages

    context = event.context
    remaining = context.get_remaining_time_in_millis if context else None
    return process_import_messages(event.to_dict(), services().importer, remaining)


# --- nurture sequences --------------------------------------------
@app.schedule(Rate(1, unit=Rate.MINUTES))
def send_nurture(event):
    context = event.context
    return services().nurture_sender.tick(context.get_remaining_time_in_millis if context else None)


# --- the console (server-rendered pages; its own sessions, no bearer token) ---
@app.route("/console", methods=["GET"])
def console_home():
    from chalicelib.web import console

    return console.handle(services(), app.current_request)


@app.route("/console/{page}", methods=["GET", "POST"], content_types=["*/*"])
def console_page(page):
    from chalicelib.web import console

    return console.handle(services(), app.current_request)


@app.route("/console/{page}/{item}", methods=["GET", "POST"], content_types=["*/*"])
def console_item(page, item):
    from chalicelib.web import console

    return console.handle(services(), app.current_request)


@app.route("/console/{page}/{item}/{action}", methods=["GET", "POST"], content_types=["*/*"])
def console_action(page, item, action):
    from chalicelib.web import console

    return console.handle(services(), app.current_request)
