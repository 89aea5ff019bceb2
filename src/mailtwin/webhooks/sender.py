"""The webhook sender: events on the bus become signed JSON deliveries to the URLs of the
subscriptions that ask for them, attempted by worker threads (never on a request's path),
retried with exponential backoff on the sandbox clock, every attempt logged and shown live."""

from __future__ import annotations

import heapq
import itertools
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
from mailtwin.webhooks.signing import sign

# Worker threads sending at once; each ends after IDLE_SECONDS with nothing to send.
WORKERS = 4
IDLE_SECONDS = 5.0
# How often a waiting worker looks at the sandbox clock (a test may move it at any time).
POLL_SECONDS = 0.25

# (provider, resource, record) -> the record as the provider shows it
Render = Callable[[str, str, Record], Any]
# (provider, moment) -> the moment in the provider's timestamp style
Stamp = Callable[[str, datetime], Any]
# (provider, tenant) -> the tenant's name as the control plane shows it
Label = Callable[[str, str], str]


@dataclass(order=True)
class Delivery:
    """One event for one subscription, until delivered or given up."""

    due: float
    seq: int
    ident: str = field(compare=False)
    spec: WebhookSpec = field(compare=False)
    tenant: str = field(compare=False)
    label: str = field(compare=False)
    webhook: str = field(compare=False)
    event: str = field(compare=False)
    url: str = field(compare=False)
    key: str = field(compare=False)
    body: bytes = field(compare=False)
    limit: int | None = field(compare=False)
    period: float | None = field(compare=False)
    attempt: int = field(default=0, compare=False)
    cancelled: bool = field(default=False, compare=False)
    # A redelivery asked for by hand is one attempt, never retried.
    retries: bool = field(default=True, compare=False)

    def owned(self, provider: str | None, tenant: str | None, webhook: str | None) -> bool:
        return ((provider is None or self.spec.provider == provider)
                and (tenant is None or self.tenant == tenant)
                and (webhook is None or self.webhook == webhook))


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
    subscriber, called where the event happens), sent by worker threads."""

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
        self._queue: list[Delivery] = []
        self._queued_bytes = 0
        self._flying: dict[int, Delivery] = {}
        self._windows: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._cond = threading.Condition()
        self._workers = 0
        self._numbers = itertools.count(1)
        self._local = threading.local()
        self._closed = False

    # -- what happens in the sandbox ---------------------------------------------------

    def watches(self, provider: str, tenant: str, resource: str, on: str) -> bool:
        """Whether a record event (created, updated, deleted) may concern a subscription of
        this tenant: it is declared, and the tenant has subscriptions (one lookup when not)."""
        watched = self._watched.get(provider)
        if not watched or (resource, on) not in watched:
            return False
        held = self.store.peek(provider, tenant)
        return held is not None and bool(held.collections[self.specs[provider].resource])

    def on_event(self, event: Event) -> None:
        """Queue a delivery of the event to every active subscription asking for it."""
        spec = self.specs.get(event.provider)
        if spec is None:
            return
        if event.kind == "moved" and event.data.get("resource") == spec.resource:
            self._subscription_moved(spec, event)
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
            return event.data.get("resource") == trigger.resource
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

    def _subscription_moved(self, spec: WebhookSpec, event: Event) -> None:
        """A subscription that leaves its active states gets nothing more, retries
        included."""
        if spec.state_field is not None and event.data.get("to") not in spec.active:
            self.cancel(spec.provider, event.tenant, str(event.data.get("id")))

    def _enqueue(self, spec: WebhookSpec, event: Event, name: str, subscription: Record,
                 data: Any) -> None:
        number = next(self._numbers)
        ident = f"dlv_{number}"
        webhook = str(subscription.get(self.id_fields.get(spec.provider, "id"), ""))
        body = json.dumps(_fill(spec.payload, {
            "$event": name, "$time": self.stamp(spec.provider,
                                                datetime.fromtimestamp(event.at, UTC)),
            "$data": data, "$delivery": ident, "$webhook": webhook}),
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
        """Queue a delivery due now, or log it dropped when the queue is full."""
        settings = self.config()
        with self._cond:
            full = (len(self._queue) >= settings.webhook_max_pending
                    or self._queued_bytes + len(delivery.body) > settings.webhook_pending_bytes)
            if not full:
                heapq.heappush(self._queue, delivery)
                self._queued_bytes += len(delivery.body)
                self._start_worker()
                self._cond.notify()
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
        when too many are pending). LookupError names what is gone
        (the attempt, its subscription); ValueError says the subscription is not active."""
        logged = self.log.find(seq)
        if logged is None:
            raise LookupError(f"attempt {seq} is not in the log (it keeps the last "
                              f"{self.log.limit})")
        spec = self.specs.get(logged.provider)
        tenant = self.store.peek(logged.provider, logged.tenant)
        subscription = None if spec is None or tenant is None else next(
            (record for record in tenant.collections[spec.resource].records.values()
             if str(record.get(self.id_fields.get(spec.provider, "id"), "")) == logged.webhook),
            None)
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
            kept = [d for d in self._queue if not d.owned(provider, tenant, webhook)]
            dropped = [d for d in self._queue if d.owned(provider, tenant, webhook)]
            for delivery in dropped:
                delivery.cancelled = True
            self._queue = kept
            heapq.heapify(self._queue)
            self._queued_bytes = sum(len(d.body) for d in kept)
            for delivery in self._flying.values():
                if delivery.owned(provider, tenant, webhook):
                    delivery.cancelled = True
            self._cond.notify_all()
            return len(dropped)

    def reset(self, provider: str | None = None, tenant: str | None = None) -> None:
        """Forget the pending deliveries, the log and the rate-limit windows of a provider,
        of one of its tenants, or of everything."""
        self.cancel(provider, tenant)
        self.log.forget(provider, tenant)
        with self._cond:
            self._windows = {k: v for k, v in self._windows.items()
                             if not ((provider is None or k[0] == provider)
                                     and (tenant is None or k[1] == tenant))}

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + len(self._flying)

    def next_due(self) -> float | None:
        with self._cond:
            return self._queue[0].due if self._queue else None

    def flush(self, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until every delivery due now has been attempted (those failing are retried
        later on the sandbox clock). Returns what was attempted and what is left."""
        now = self.clock.timestamp()
        deadline = time.monotonic() + timeout
        first = self.log.last_seq()
        with self._cond:
            if self._queue and self._queue[0].due <= now:
                self._start_worker()
            self._cond.notify_all()
            while (self._queue and self._queue[0].due <= now) or self._flying:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, POLL_SECONDS))
            due_left = sum(1 for d in self._queue if d.due <= now) + len(self._flying)
            pending = len(self._queue)
            upcoming = self._queue[0].due if self._queue else None
        return {"attempted": self.log.last_seq() - first, "pending": pending,
                "unfinished": due_left,
                "next_attempt": None if upcoming is None else _iso(upcoming)}

    def close(self, wait: float = 5.0) -> None:
        """Stop the workers, waiting up to `wait` seconds for attempts in flight."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            deadline = time.monotonic() + wait
            while self._workers and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())

    # -- the workers ------------------------------------------------------------------

    def _start_worker(self) -> None:
        """Another worker, up to WORKERS (called holding the lock)."""
        if self._closed or self._workers >= min(WORKERS, len(self._queue)):
            return
        self._workers += 1
        threading.Thread(target=self._work, name="mailtwin-webhooks", daemon=True).start()

    def _next(self) -> Delivery | None:
        """The next delivery due, waiting for one; None when the worker should end."""
        idle_since = time.monotonic()
        with self._cond:
            while not self._closed:
                now = self.clock.timestamp()
                if self._queue and self._queue[0].due <= now:
                    delivery = heapq.heappop(self._queue)
                    self._queued_bytes -= len(delivery.body)
                    if self._deferred(delivery, now):
                        continue
                    self._flying[delivery.seq] = delivery
                    return delivery
                if not self._queue and time.monotonic() - idle_since > IDLE_SECONDS:
                    break
                if self._queue:
                    idle_since = time.monotonic()
                self._cond.wait(POLL_SECONDS if self._queue else IDLE_SECONDS)
            self._workers -= 1
            self._cond.notify_all()
            return None

    def _deferred(self, delivery: Delivery, now: float) -> bool:
        """Put a delivery off to its subscription's next rate-limit window if this one is
        used up (called holding the lock)."""
        if delivery.limit is None or not delivery.period:
            return False
        key = (delivery.spec.provider, delivery.tenant, delivery.webhook)
        start = math.floor(now / delivery.period) * delivery.period
        window_start, used = self._windows.get(key, (start, 0))
        if window_start != start:
            used = 0
        if used >= delivery.limit:
            delivery.due = start + delivery.period
            heapq.heappush(self._queue, delivery)
            self._queued_bytes += len(delivery.body)
            return True
        self._windows[key] = (start, used + 1)
        return False

    def _work(self) -> None:
        while True:
            delivery = self._next()
            if delivery is None:
                client: httpx.Client | None = getattr(self._local, "client", None)
                if client is not None:
                    client.close()
                return
            try:
                self._attempt(delivery)
            finally:
                with self._cond:
                    self._flying.pop(delivery.seq, None)
                    self._cond.notify_all()

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=self.config().webhook_timeout, trust_env=False,
                                  follow_redirects=False)
            self._local.client = client
        return client

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

    def _attempt(self, delivery: Delivery) -> None:
        delivery.attempt += 1
        at = self.clock.timestamp()
        refusal = self._refusal(delivery.url)
        if refusal is not None:
            self._finish(delivery, "refused", None, refusal, 0.0, at, {})
            return
        spec = delivery.spec
        headers = {"content-type": "application/json",
                   "user-agent": f"mailtwin-webhooks/{version()}",
                   spec.signature_header: sign(delivery.key, delivery.body, spec.encoding)}
        values = {"event": delivery.event, "delivery": delivery.ident,
                  "timestamp": str(int(at)), "attempt": str(delivery.attempt)}
        headers.update({name: values[part] for part, name in spec.headers.items()})
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = self._client().post(delivery.url, content=delivery.body,
                                           headers=headers)
            status = response.status_code
        except httpx.TimeoutException:
            error = f"no answer within {self.config().webhook_timeout:g} s (timeout)"
        except httpx.ConnectError as failure:
            error = f"connection failed: {failure}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        duration = (time.perf_counter() - started) * 1000
        if status is not None and 200 <= status < 300:
            self._finish(delivery, "delivered", status, None, duration, at, headers)
            return
        if error is None:
            error = f"answered {status}"
        self._finish(delivery, "failed", status, error, duration, at, headers)

    def _finish(self, delivery: Delivery, outcome: str, status: int | None,
                error: str | None, duration: float, at: float, headers: dict[str, str]
                ) -> None:
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
                heapq.heappush(self._queue, delivery)
                self._queued_bytes += len(delivery.body)
        self._record(delivery, outcome, status, error, duration, next_due, at, headers)

    def _record(self, delivery: Delivery, outcome: str, status: int | None,
                error: str | None, duration: float, next_due: float | None,
                at: float, headers: dict[str, str] | None = None) -> Attempt:
        entry = self.log.add(
            delivery=delivery.ident, attempt=delivery.attempt,
            provider=delivery.spec.provider, tenant=delivery.tenant,
            shown_tenant=delivery.label, webhook=delivery.webhook, event=delivery.event,
            url=delivery.url, at=_iso(at), status=outcome, response_status=status,
            error=error, duration_ms=round(duration, 3),
            next_attempt=None if next_due is None else _iso(next_due), headers=headers or {},
            body=delivery.body.decode("utf-8"))
        if self.hub.subscriptions:
            self.hub.publish("webhook", entry.as_json())
        return entry
