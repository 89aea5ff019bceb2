"""Webhooks: what a provider's YAML declares about them (declaration.py), signatures
(signing.py), the bounded log of attempts (log.py), the sender that turns events on the bus
into signed, retried HTTP deliveries (sender.py) with its waiting deliveries (pending.py),
the process that makes the attempts (poster.py, started by posting.py) and a receiver for
tests (receiver.py)."""
