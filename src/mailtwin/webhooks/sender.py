"""The webhook sender: events on the bus become signed JSON deliveries to the URLs of the
subscriptions that ask for them, attempted by a poster process (never on a request's path),
retried with exponential backoff on the sandbox clock, every attempt logged and shown live."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from mailtwin.clock import Clock
from mailtwin.config import Config
from mailtwin.events import Event, EventHub
from mailtwin.store import Record, Store
from mailtwin.version import version
from mailtwin.webhooks.declaration import RECORD_TRIGGERS, Trigger, WebhookSpec
from mailtwin.webhooks.log import Attempt, DeliveryLog
from mailtwin.webhooks.pending import Delivery, PendingDeliveries
from mailtwin.webhooks.posting import PosterProcess
from mailtwin.webhooks.signing import sign

# Threads of the poster process (attempts made at once), attempts handed to it at most, and
# the seconds without anything to send after which it ends.
POSTER_THREADS = 4
IN_FLIGHT = 256
IDLE_SECONDS = 5.0
# How often a waiting worker looks at the sandbox clock (a test may move it at any time).
POLL_SECONDS = 0.25

# (provider, resource, record) -> the record as the provider shows it
Render = Callable[[str, str, Record], Any]
# (provider, moment) -> the moment in the provider's timestamp style
Stamp = Callable[[str, datetime], Any]
# (provider, tenant) -> the tenant's name as the control plane shows it
Label = Callable[[str, str], str]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fill(template: Any, values: dict[str, Any]) -> Any:
    """A payload template with `$event`, `$time`, `$data`, `$delivery`, `$webhook` filled."""
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, values) for value in template]
    if isinstance(template, str) and template in values:
        return values[template]
    return template


class WebhookSender:
    """Deliveries of every provider that declares webhooks: queued by `on_event` (a bus
    subscriber, called where the event happens), handed when due by a dispatcher thread to a
    poster process that makes the HTTP attempts (so they never hold the server's
    interpreter), their answers settled by a reader thread."""

    def __init__(self, specs: Iterable[WebhookSpec], store: Store, clock: Clock,
                 hub: EventHub, config: Callable[[], Config], render: Render, stamp: Stamp,
                 label: Label, id_fields: dict[str, str]) -> None:
        self.specs = {spec.provider: spec for spec in specs}
        # provider -> the id field of its subscriptions' resource
        self.id_fields = id_fields
        self._watched = {name: spec.watched() for name, spec in self.specs.items()}
        self.store = store
        self.clock = clock
        self.hub = hub
        self.config = config
        self.render = render
        self.stamp = stamp
        self.label = label
        settings = config()
        self.log = DeliveryLog(settings.webhook_log_limit, settings.webhook_log_bytes)
        self._pending = PendingDeliveries()
        self._cond = self._pending.cond
        self._workers = 0
        self._numbers = itertools.count(1)
        self._closed = False

    # -- what happens in the sandbox ---------------------------------------------------

    def watches(self, provider: str, tenant: str, resource: str, on: str) -> bool:
        """Whether a record event (created, updated, deleted) may concern a subscription of
        this tenant: it is declared, and the tenant has subscriptions (one lookup when not)."""
        watched = self._watched.get(provider)
        if not watched or (resource, on) not in watched:
            return False
        subscriptions = self.specs[provider].resource
        if resource == subscriptions:
            return True
        held = self.store.peek(provider, tenant)
        return held is not None and held.collections.count(subscriptions) > 0

    def on_event(self, event: Event) -> None:
        """Queue a delivery of the event to every active subscription asking for it."""
        spec = self.specs.get(event.provider)
        if spec is None:
            return
        if event.data.get("resource") == spec.resource:
            self._subscription_changed(spec, event)
        triggers = spec.triggers.get(event.kind)
        if not triggers:
            return
        tenant = self.store.peek(event.provider, event.tenant)
        if tenant is None:
            return
        subscriptions = tenant.collections[spec.resource].records
        if not subscriptions:
            return
        for trigger in triggers:
            if not self._fires(trigger, event):
                continue
            targets = [s for s in subscriptions.values()
                       if s.get(spec.event_field) == trigger.name and self._active(spec, s)]
            if targets:
                data = self._data(spec, trigger, event)
                for subscription in targets:
                    self._enqueue(spec, event, trigger.name, subscription, data)

    @staticmethod
    def _fires(trigger: Trigger, event: Event) -> bool:
        if trigger.on == "moved":
            return trigger.matches_move(event.data)
        if trigger.on in RECORD_TRIGGERS:
            return trigger.matches_record(event.data)
        return True

    @staticmethod
    def _active(spec: WebhookSpec, subscription: Record) -> bool:
        return spec.state_field is None or subscription.get(spec.state_field) in spec.active

    def _data(self, spec: WebhookSpec, trigger: Trigger, event: Event) -> Any:
        if trigger.on in RECORD_TRIGGERS:
            return event.data.get("record")
        if trigger.on == "moved" and trigger.resource is not None:
            tenant = self.store.peek(event.provider, event.tenant)
            record = None if tenant is None else tenant.collections[
                trigger.resource].records.get(event.data.get("id"))
            if record is not None:
                return self.render(spec.provider, trigger.resource, record)
            return {"id": event.data.get("id")}
        return event.data

    def _subscription_changed(self, spec: WebhookSpec, event: Event) -> None:
        """A subscription deleted, or moved out of its active states, gets nothing more,
        retries included."""
        left = event.kind == "moved" and spec.state_field is not None and event.data.get(
            "to") not in spec.active
        if left or event.kind == "record.deleted":
            self.cancel(spec.provider, event.tenant, str(event.data.get("id")))

    def _enqueue(self, spec: WebhookSpec, event: Event, name: str, subscription: Record,
                 data: Any) -> None:
        number = next(self._numbers)
        ident = f"dlv_{number}"
        ident_value = subscription.get(self.id_fields.get(spec.provider, "id"))
        webhook = str(ident_value)
        body = json.dumps(_fill(spec.payload, {
            "$event": name, "$time": self.stamp(spec.provider,
                                                datetime.fromtimestamp(event.at, UTC)),
            "$data": data, "$delivery": ident, "$webhook": ident_value}),
            ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        limit = subscription.get(spec.limit_field) if spec.limit_field else None
        period = spec.periods.get(str(subscription.get(spec.period_field))) \
            if spec.period_field else None
        key = subscription.get(spec.secret_field) if spec.secret_field else None
        delivery = Delivery(
            due=self.clock.timestamp(), seq=number, ident=ident, spec=spec, tenant=event.tenant,
            label=self.label(spec.provider, event.tenant), webhook=webhook, event=name,
            url=str(subscription.get(spec.url_field, "")), key=str(key or ""), body=body,
            limit=limit if isinstance(limit, int) and limit > 0 else None, period=period)
        self._queue_up(delivery)

    def _queue_up(self, delivery: Delivery) -> bool:
        """Queue a delivery, or log it dropped when too many are pending."""
        settings = self.config()
        pending = self._pending
        with self._cond:
            full = (len(pending.waiting) >= settings.webhook_max_pending
                    or pending.bytes + len(delivery.body) > settings.webhook_pending_bytes)
            if not full:
                pending.push(delivery)
                self._start_worker()
        if full:
            self._record(delivery, "dropped", None, "too many deliveries are pending "
                         f"(at most {settings.webhook_max_pending} and "
                         f"{settings.webhook_pending_bytes} bytes)", 0.0, None,
                         self.clock.timestamp())
        return not full

    # -- control ----------------------------------------------------------------------

    def redeliver(self, seq: int) -> tuple[Delivery, bool]:
        """Send the event of logged attempt `seq` once more, now: the same delivery id and
        body, signed with its subscription's key of now and sent to its URL of now, numbered
        after the delivery's last attempt and not retried; and whether it was queued (not
        when too many are pending). LookupError names what is gone (the attempt, its
        subscription); ValueError says the subscription is not active."""
        logged = self.log.find(seq)
        if logged is None:
            raise LookupError(f"attempt {seq} is not in the log (it keeps the last "
                              f"{self.log.limit})")
        spec = self.specs.get(logged.provider)
        tenant = self.store.peek(logged.provider, logged.tenant)
        id_field = self.id_fields.get(logged.provider, "id")
        subscription = None if spec is None or tenant is None else next(
            (record for record in tenant.collections[spec.resource].records.values()
             if str(record.get(id_field, "")) == logged.webhook), None)
        if spec is None or subscription is None:
            raise LookupError(f"webhook {logged.webhook} of attempt {seq} no longer exists")
        if not self._active(spec, subscription):
            raise ValueError(f"webhook {logged.webhook} is "
                             f"{subscription.get(spec.state_field or '')}: it receives nothing")
        last = max(a.attempt for a in self.log.select(delivery=logged.delivery,
                                                      provider=logged.provider))
        key = subscription.get(spec.secret_field) if spec.secret_field else None
        delivery = Delivery(
            due=self.clock.timestamp(), seq=next(self._numbers), ident=logged.delivery,
            spec=spec, tenant=logged.tenant, label=logged.shown_tenant, webhook=logged.webhook,
            event=logged.event, url=str(subscription.get(spec.url_field, "")),
            key=str(key or ""), body=logged.body.encode("utf-8"), limit=None, period=None,
            attempt=last, retries=False)
        return delivery, self._queue_up(delivery)

    def cancel(self, provider: str | None = None, tenant: str | None = None,
               webhook: str | None = None) -> int:
        """Drop pending deliveries (of a provider, a tenant, a subscription); attempts in
        flight finish but are neither logged nor retried. Returns how many were dropped."""
        with self._cond:
            return self._pending.cancel(provider, tenant, webhook)

    def reset(self, provider: str | None = None, tenant: str | None = None) -> None:
        """Forget the pending deliveries, the log and the rate-limit windows of a provider,
        of one of its tenants, or of everything."""
        self.cancel(provider, tenant)
        self.log.forget(provider, tenant)
        with self._cond:
            self._pending.forget_windows(provider, tenant)

    def pending(self) -> int:
        with self._cond:
            return len(self._pending.waiting) + len(self._pending.flying)

    def flush(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until every delivery due now has been attempted (those failing are retried
        later on the sandbox clock). Returns what was attempted and what is left."""
        now = self.clock.timestamp()
        deadline = time.monotonic() + timeout
        first = self.log.last_seq()
        pending = self._pending
        with self._cond:
            if pending.due(now):
                self._start_worker()
            self._cond.notify_all()
            while pending.due(now) or pending.flying:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, POLL_SECONDS))
            unfinished = sum(1 for d in pending.waiting if d.due <= now) + len(pending.flying)
            waiting = len(pending.waiting)
            upcoming = pending.waiting[0].due if pending.waiting else None
        return {"attempted": self.log.last_seq() - first, "pending": waiting,
                "unfinished": unfinished,
                "next_attempt": None if upcoming is None else _iso(upcoming)}

    def close(self, wait: float = 5.0) -> None:
        """Stop the workers, waiting up to `wait` seconds for attempts in flight."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            deadline = time.monotonic() + wait
            while self._workers and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())

    # -- the dispatcher ---------------------------------------------------------------

    def _start_worker(self) -> None:
        """The dispatcher thread, if it is not running (called holding the lock)."""
        if self._closed or self._workers or not self._pending.waiting:
            return
        self._workers = 1
        threading.Thread(target=self._dispatch, name="mailtwin-webhooks", daemon=True).start()

    def _next(self) -> list[Delivery] | None:
        """The deliveries due now (at least one), waiting for them; None when the
        dispatcher should end (closed, or idle for IDLE_SECONDS)."""
        idle_since = time.monotonic()
        pending = self._pending
        with self._cond:
            while not self._closed:
                taken = pending.take_due(self.clock.timestamp(), IN_FLIGHT)
                if taken:
                    return taken
                if pending.flying or pending.waiting:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > IDLE_SECONDS:
                    break
                self._cond.wait(POLL_SECONDS if pending.waiting else IDLE_SECONDS)
            self._workers = 0
            self._cond.notify_all()
            return None

    def _dispatch(self) -> None:
        """Hand due deliveries to a poster process until there is nothing to do."""
        poster: PosterProcess | None = None
        try:
            while (due := self._next()) is not None:
                jobs = [job for job in map(self._job, due) if job is not None]
                if not jobs:
                    continue
                if poster is None:
                    poster = PosterProcess(self.config().webhook_timeout, POSTER_THREADS,
                                           self._settle, self._poster_ended)
                if not poster.send(jobs):
                    self._poster_ended()
                    poster.close()
                    poster = None
        finally:
            if poster is not None:
                poster.close()
            self._poster_ended()

    def _job(self, delivery: Delivery) -> dict[str, Any] | None:
        """What the poster sends for an attempt, or None when it may not be sent."""
        delivery.attempt += 1
        delivery.attempted_at = at = self.clock.timestamp()
        delivery.headers = {}
        refusal = self._refusal(delivery.url)
        if refusal is not None:
            with self._cond:
                self._pending.land(delivery.seq)
            self._finish(delivery, "refused", None, refusal, 0.0, at)
            return None
        spec = delivery.spec
        headers = {"content-type": "application/json",
                   "user-agent": f"mailtwin-webhooks/{version()}",
                   spec.signature_header: sign(delivery.key, delivery.body, spec.encoding)}
        values = {"event": delivery.event, "delivery": delivery.ident,
                  "timestamp": str(int(at)), "attempt": str(delivery.attempt)}
        headers.update({name: values[part] for part, name in spec.headers.items()})
        delivery.headers = headers
        return {"id": delivery.seq, "url": delivery.url, "headers": headers,
                "body": delivery.body.decode("utf-8")}

    def _settle(self, result: dict[str, Any]) -> None:
        """An answer from the poster: the attempt's outcome."""
        with self._cond:
            delivery = self._pending.land(int(result["id"]))
        if delivery is None:
            return
        status = result.get("status")
        error = result.get("error")
        if isinstance(status, int) and 200 <= status < 300:
            self._finish(delivery, "delivered", status, None, result["ms"],
                         delivery.attempted_at)
            return
        self._finish(delivery, "failed", status, error or f"answered {status}", result["ms"],
                     delivery.attempted_at)

    def _poster_ended(self) -> None:
        """Attempts the poster never answered count as failed (and are retried)."""
        with self._cond:
            lost = self._pending.land_all()
        for delivery in lost:
            self._finish(delivery, "failed", None, "the webhook poster stopped", 0.0,
                         delivery.attempted_at)

    def _refusal(self, url: str) -> str | None:
        """Why a URL may not be called, if it may not."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as error:
            return f"not a URL: {error}"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return f"not an http(s) URL: {url!r}"
        hosts = self.config().webhook_hosts
        if hosts and parsed.host.lower() not in hosts:
            return (f"host {parsed.host} is not one --webhook-hosts allows "
                    f"({', '.join(hosts)})")
        return None

    def _finish(self, delivery: Delivery, outcome: str, status: int | None,
                error: str | None, duration: float, at: float) -> None:
        """Log an attempt and, for a failure with attempts left, queue the next one."""
        retry = delivery.spec.retry
        next_due = None
        if outcome == "failed" and delivery.retries and delivery.attempt < retry.attempts:
            next_due = at + retry.delay(delivery.attempt)
        with self._cond:
            if delivery.cancelled:
                return
            if next_due is not None:
                delivery.due = next_due
                self._pending.push(delivery)
        self._record(delivery, outcome, status, error, duration, next_due, at)

    def _record(self, delivery: Delivery, outcome: str, status: int | None,
                error: str | None, duration: float, next_due: float | None,
                at: float) -> Attempt:
        entry = self.log.add(
            delivery=delivery.ident, attempt=delivery.attempt,
            provider=delivery.spec.provider, tenant=delivery.tenant,
            shown_tenant=delivery.label, webhook=delivery.webhook, event=delivery.event,
            url=delivery.url, at=_iso(at), status=outcome, response_status=status,
            error=error, duration_ms=round(duration, 3),
            next_attempt=None if next_due is None else _iso(next_due),
            headers=dict(delivery.headers), body=delivery.body.decode("utf-8"))
        if self.hub.subscriptions:
            self.hub.publish("webhook", entry.as_json())
        return entry
