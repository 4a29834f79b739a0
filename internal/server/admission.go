package server

// WithWebhookInflightLimit bounds the request-body bytes the receivers hold
// at once, across all deliveries (default webhook.DefaultMaxInflightBytes,
// 256 MiB); one organization may hold a quarter of it. A delivery that does
// not fit is answered 503 with Retry-After before its body is read.
func WithWebhookInflightLimit(n int64) Option { return func(s *Server) { s.maxInflight = n } }
