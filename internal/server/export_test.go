package server

// BodiesPeak returns the most body bytes s's requests have held reserved
// at once, for the admission tests.
func BodiesPeak(s *Server) int64 { return s.bodies.Peak() }
