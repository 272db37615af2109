"""The HTTP layer shared by every entrypoint: resolver, error mapping, request and response
shapes. Only ``orders_lambda`` imports it."""
