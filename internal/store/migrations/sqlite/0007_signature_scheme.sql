-- How a custom webhook source's deliveries are signed; the same logical
-- schema as migrations/postgres/0007_signature_scheme.sql. '' is the default
-- HMAC of the body (X-Signature-256); 'standard-webhooks' is the Standard
-- Webhooks scheme, whose signature covers the delivery id and timestamp.
ALTER TABLE event_sources ADD COLUMN signature_scheme TEXT NOT NULL DEFAULT '';
