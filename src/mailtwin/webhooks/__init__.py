"""Webhooks: what a provider's YAML declares about them (declaration.py), signatures
(signing.py), the bounded log of attempts (log.py), the sender that turns events on the bus
into signed, retried HTTP deliveries (sender.py) and a receiver for tests (receiver.py)."""
