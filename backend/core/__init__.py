"""Pieces every app shares (no models, not an app): the one application error type and its HTTP mapping,
renderers for byte answers, and input fields and pagination for serializers."""
