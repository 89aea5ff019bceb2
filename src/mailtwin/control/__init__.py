"""The control plane under `/__mailtwin/`: its own OpenAPI document (openapi.yaml), requests
checked against it (validation), one handler per operationId (operations), views of the
state (views), the live event stream (stream), and the Starlette app routing to them (app)."""
