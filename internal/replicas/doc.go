// Package replicas holds the test that runs several superplane-server
// processes on one PostgreSQL database, as a deployment behind a load
// balancer does, and checks that the engine coordinates through the
// database alone: deliveries sent to either replica are stored once, every
// event is routed once and every execution runs once.
//
// The test needs SUPERPLANE_TEST_POSTGRES_URL (scripts/start-postgres.sh
// starts a server) and is skipped without it. It builds the server binary,
// so it exercises exactly what an operator deploys.
package replicas
