"""Schemathesis against a live server, for every provider spec, with all of its checks."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailtwin import Config, MailtwinApp, create_app
from mailtwin.openapi import effective_document
from mailtwin.server import ServerThread
from mailtwin.sources import spec_sources
from mailtwin.spec import load_specs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SPECS = sorted(spec.name for spec in load_specs(spec_sources(Config())[0]))
SEED = 20261123
# Examples per operation, fewer for large specs so each provider's run stays near a minute.
MAX_EXAMPLES = 25
EXAMPLE_BUDGET = 1000
RUN_TIMEOUT_S = 600

# Credentials by auth scheme: the sandbox in open mode accepts any well-formed ones.
AUTH_HEADERS = {
    "basic": "Basic " + base64.b64encode(b"schemathesis:secret").decode("ascii"),
    "bearer": "Bearer schemathesis-token",
    "oauth2": "Bearer schemathesis-token",
}

# Every check schemathesis has, enabled in the config so operations can turn one off.
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance",
          "negative_data_rejection", "positive_data_acceptance", "missing_required_header",
          "unsupported_method", "allow_header_conformance", "use_after_free",
          "ensure_resource_availability", "ignored_auth", "object_level_authorization")

# Checks that cannot apply to one operation, by (provider, operationId), each with the reason.
EXCLUDED: dict[tuple[str, str], dict[str, str]] = {
    # start <= end is a rule between two parameters, which a schema cannot state: a request
    # valid by the schema alone may still be refused, as Emma does.
    ("emma", "list_mailings"): {"positive_data_acceptance": "start must not exceed end"},
    ("emma", "mailing_calendar"): {
        "positive_data_acceptance": "end_date must not be before start_date"},
    # list, campaign and segments must name existing records, names are unique and zip_file
    # must hold a zip with an index.html: rules about data and state, not the schema.
    ("emailicious", "create_mailing"): {
        "positive_data_acceptance": "references, unique names and zip contents"},
    # A grant needs its own fields (a code, a refresh token that has not expired), and grant
    # rules are answered as OAuth errors (400 {"error"}), which is what OAuth clients read.
    ("outreach", "oauth_token"): {"positive_data_acceptance": "OAuth grant rules"},
    # page[after] and page[before] are opaque cursors: any base64url text fits the schema, but
    # only one this server gave out for the same list and order names a place in it.
    **{("outreach", op): {"positive_data_acceptance": "cursors must be ones this list gave out"}
       for op in ("list_mailings", "list_templates", "list_users", "list_mailboxes",
                  "list_accounts", "list_prospects", "list_sequences", "list_sequenceSteps",
                  "list_sequenceStates", "list_stages", "list_teams")},
    # Especial accounts, users, workflows and their neighbours: a request valid by the schema
    # may name a record that does not exist (an owner, a list, a sender), repeat a unique name
    # (a tag, a user's address, a domain's DKIM selector), carry a code or token this server
    # never issued, or ask for a move the record's state forbids; each is a 400 bad_request.
    **{("especial", op): {"positive_data_acceptance": why} for op, why in {
        "patchSelfAccount": "the new owner must be an existing user",
        "patchAccount": "the new owner must be an existing user",
        "resendAccountVerification": "the address must own an account awaiting verification",
        "confirmAccount": "the code must be one this server issued",
        "suspendAccount": "state rule: not the caller's own account, not suspended",
        "unsuspendAccount": "state rule: only a suspended sub-account",
        "convertAccountToOrganization": "state rule: not the caller's own account",
        "createUser": "user addresses are unique",
        "resetPasswordConfirm": "the token must be one this server issued",
        "confirmUser": "the code must be one this server issued",
        "resendUserVerification": "state rule: only a pending user",
        "suspendUser": "state rule: only an active user",
        "unsuspendUser": "state rule: only a suspended user",
        "activateMfa": "the code must match the method's current TOTP code",
        "getMfaRecoveryCodes": "state rule: an activated MFA method first",
        "createWorkflow": "the audience list and sender must exist",
        "activateWorkflow": "state rule: only an inactive workflow",
        "deactivateWorkflow": "state rule: only an active workflow",
        "lockWorkflow": "state rule: a workflow locked with another key stays locked",
        "unlockWorkflow": "only the key that locked a workflow unlocks it",
        "archiveWebhook": "state rule: only an active webhook",
        "unarchiveWebhook": "state rule: only an archived webhook",
        "createTag": "tag names are unique",
        "patchTag": "tag names are unique",
        "createForm": "the list must exist",
        "patchForm": "the list must exist",
        "uploadDefaultLogo": "the file must hold a base64-encoded image",
        "deleteDefaultLogo": "state rule: the brand must have a logo",
        "create_dkim_key_brands_default_dkim_post": "one key per domain and selector",
        "sendEmail": "the sender must exist",
        "submitEmail": "the sender and list must exist",
        "createSuppressedEmail": "an address is suppressed once",
        "deleteUser": "state rule: the user logged in cannot delete itself",
        "resetUserPassword": "state rule: not a suspended user",
        "setSystemEmails": "templates and senders must exist",
        "patchSystemEmails": "templates and senders must exist",
    }.items()},
    # `sort` and `filter` are free strings in the published document, but Especial reads only
    # the terms each list names in its description and answers any other one with a 400 that
    # lists the allowed terms (tests/especial/test_listing.py).
    **{("especial", op): {"positive_data_acceptance": "sort and filter terms are a closed list"}
       for op in ("listAccounts", "listUsers", "listWorkflows", "listActions", "listForms",
                  "listWorkflowBlueprints", "listWorkflowBlueprintActions",
                  "listSuppressedEmails", "getCampaignLogs")},
    # The Email API's activity reads take `tags` and `providers` as JSON filters of and / or /
    # not / is (a language the published document describes in prose only), a closed list of
    # sort terms, start_time not after end_time, and a bounded number of report intervals.
    **{("especial", op): {"positive_data_acceptance": "JSON filters, sort terms, time window"}
       for op in ("getEmailAPILogs", "getEmailAPISummary", "getEmailAPIStats")},
    # Especial campaigns, lists, contacts, senders and tokens: the same kinds of rules (records
    # that must exist, unique addresses, moves a state forbids, codes and cursors this server
    # issued), and rules between fields or in a query language no schema states.
    **{("especial", op): {"positive_data_acceptance": why} for op, why in {
        "listCampaigns": "filter is a term==value expression over declared terms",
        "listLists": "filter is a term==value expression over declared terms",
        "createCampaign": "the audience list, segment and sender must exist",
        "sendTestEmail": "state rule: the campaign needs a sender and content",
        "scheduleCampaign": "a send time is required, and only a complete draft is scheduled",
        "unscheduleCampaign": "state rule: only a scheduled campaign",
        "rescheduleCampaign": "state rule: only a scheduled campaign",
        "suspendCampaign": "state rule: only a sending campaign",
        "resumeCampaign": "state rule: only a suspended campaign",
        "cancelCampaign": "state rule: not a finished or archived campaign",
        "unarchiveCampaign": "state rule: only an archived campaign",
        "createList": "the default sender must exist",
        "patchList": "the default sender must exist",
        "archiveList": "state rule: only an active list",
        "unarchive_list_lists__list_id__unarchive_post": "state rule: only an archived list",
        "createContact": "a contact's address is unique in its list; attributes declared",
        "listContactsOfList": "the cursor must be one this server gave out",
        "listContactsOfSegment": "the cursor must be one this server gave out",
        "addInterestsToContacts": "contact_ids, query, fiql or json must name the contacts",
        "removeInterestsFromContacts": "contact_ids, query, fiql or json must name the contacts",
        "tagMultipleContacts": "contact_ids, query, fiql or json must name the contacts",
        "untagMultipleContacts": "contact_ids, query, fiql or json must name the contacts",
        "importContacts": "custom attributes and interests must be declared by the list",
        "exportContacts": "the segment must exist in the list; selections must be readable",
        "downloadContactsExport": "state rule: only a finished export",
        "campaignLogExportDownload": "state rule: only a finished export",
        "listLogsExportDownload": "state rule: only a finished export",
        "createSegment": "fiql, query and json are selection languages",
        "patchSegment": "fiql, query and json are selection languages",
        "createTransactionalEmailTemplate": "the sender and source template must exist",
        "updateTransactionalEmailTemplate": "the sender and source template must exist",
        "confirmSender": "the confirmation id must be one this server issued",
        "resendConfirmationEmail": "state rule: only an unconfirmed sender",
        "createToken": "grant rules: a password grant needs username and password",
    }.items()},
}

# In open mode the sandbox accepts any well-formed credentials (each is its own tenant), so
# `ignored_auth`, which sends made-up credentials and expects a refusal, cannot apply to any
# authenticated operation; missing or malformed credentials are still refused (tests/fuzz).
IGNORED_AUTH_REASON = "any well-formed credentials are accepted by design"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # Every made-up credential schemathesis sends is a tenant of its own: more than a shared
    # server keeps live at once, which is not what this run examines.
    app = create_app(Config(seed=0, max_tenants=1_000_000))
    thread = ServerThread(app).start()
    try:
        yield thread
    finally:
        thread.stop()


def _toml(value: object) -> str:
    """A TOML value: strings, booleans and numbers written the way JSON writes them."""
    return json.dumps(value)


def _examples(app: MailtwinApp, provider: str) -> int:
    count = sum(op.provider.name == provider for op in app.runtime.operations)
    return max(3, min(MAX_EXAMPLES, EXAMPLE_BUDGET // max(count, 1)))


def _config(provider: str, server: ServerThread) -> str:
    """The schemathesis.toml of one run: global settings, then per-operation exclusions."""
    app = server.app
    scheme = app.runtime.providers[provider].spec.conventions["auth"]["scheme"]
    lines = [f"seed = {SEED}", "workers = 1", f"base-url = {_toml(server.url)}",
             f"generation.max-examples = {_examples(app, provider)}",
             "generation.database = \"none\"", "request-timeout = 10.0",
             *(f"checks.{check}.enabled = true" for check in CHECKS)]
    header = AUTH_HEADERS.get(scheme)
    if header is not None:
        lines.append(f"headers = {{ Authorization = {_toml(header)} }}")
    for op in app.runtime.operations:
        if op.provider.name != provider:
            continue
        excluded = dict(EXCLUDED.get((provider, op.spec.operation_id), {}))
        if op.needs_auth:
            excluded["ignored_auth"] = IGNORED_AUTH_REASON
        if not excluded:
            continue
        lines += ["", "[[operations]]",
                  f"include-operation-id = {_toml(op.spec.operation_id)}"]
        lines += [f"checks.{check}.enabled = false" for check in sorted(excluded)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("provider", SPECS)
def test_schemathesis_finds_nothing(provider: str, server: ServerThread,
                                    tmp_path: Path) -> None:
    document = effective_document(server.app.runtime.providers[provider])
    schema = tmp_path / f"{provider}.json"
    schema.write_text(json.dumps(document), encoding="utf-8")
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(provider, server), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "schemathesis"), "--no-color",
               "--config-file", str(config), "run", str(schema),
               "--phases", "examples,coverage,fuzzing,stateful"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, check=False)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "Tested:" in report, report
