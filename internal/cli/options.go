package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// options holds every flag any command takes; each command registers the
// ones it names.
type options struct {
	canvas     string
	stage      string
	source     string
	output     string
	url        string
	file       string
	eventType  string
	state      string
	data       kvFlag
	limit      int
	interval   time.Duration
	timeout    time.Duration
	tokenStdin bool
	browser    bool
	follow     bool
	acked      bool
	importing  bool
	others     bool
	user       string
	// The audit trail's filters.
	actor, action, objectType, since string
}

// flagDef is a flag's help: the value it takes and what it does.
type flagDef struct {
	arg   string // " NAME", "" for a boolean
	usage string
}

// Bounds of --interval: often enough to follow a run, never a busy loop.
const (
	minInterval     = 100 * time.Millisecond
	maxInterval     = time.Minute
	defaultInterval = 2 * time.Second
	defaultTimeout  = time.Hour
	maxLimit        = 1000
)

// flagDefs documents every flag; printCommandHelp and the shell
// completions read it.
var flagDefs = map[string]flagDef{
	"canvas":      {" NAME", "the canvas (name or id); SUPERPLANE_CANVAS when not given"},
	"stage":       {" NAME", "the stage (name or id)"},
	"source":      {" NAME", "the event source (name or id)"},
	"output":      {" FORMAT", "table (the default) or json (the API's answer, as the OpenAPI description shows it); also -o"},
	"url":         {" URL", "the server's URL, for example https://superplane.example.com"},
	"file":        {" FILE", "a JSON object to send as the event's data (- reads standard input)"},
	"type":        {" TYPE", "the event's type (default manual)"},
	"state":       {" STATE", "only events in this state: pending, waiting, processed, discarded (or rejected, for canvas events)"},
	"data":        {" KEY=VALUE", "a field of the event's data (repeat it); KEY:=JSON sends a JSON value (a number, true, a list...)"},
	"limit":       {" N", fmt.Sprintf("how many to list, newest first (default the server's page; at most %d)", maxLimit)},
	"interval":    {" DURATION", fmt.Sprintf("how often to ask the server (default %s, between %s and %s)", defaultInterval, minInterval, maxInterval)},
	"timeout":     {" DURATION", fmt.Sprintf("give up after this long (default %s)", defaultTimeout)},
	"token-stdin": {"", "read the API token from standard input (for scripts: pipe it in)"},
	"browser":     {"", "sign in through the browser (the console's sign-in: GitHub, Microsoft, Google... or a pasted token); the CLI gets a token of your role, valid 30 days"},
	"follow":      {"", "keep following until the execution finishes (default true; --follow=false prints it once)"},
	"acked":       {"", "list acknowledged alerts too"},
	"import":      {"", "ask the server which objects exist and write an import block for each (needs superplane login)"},
	"others":      {"", "revoke every session but the one this CLI is signed in with"},
	"user":        {" EMAIL", "sign this user of the organization (email or id) out of every session (owners and admins)"},
	"actor":       {" EMAIL", "audit events by this user (email or id)"},
	"action":      {" ACTION", "audit events of this action: create, update, delete, approve, cancel..."},
	"object-type": {" TYPE", "audit events about this type of object: canvas, secret, stage, stage_event, execution..."},
	"since":       {" WHEN", "audit events since then: a duration back from now (24h) or an RFC 3339 time"},
}

// register adds the named flags to fs.
func (o *options) register(fs *flag.FlagSet, names []string) {
	o.interval = defaultInterval
	o.timeout = defaultTimeout
	o.follow = true
	for _, n := range names {
		u := flagDefs[n].usage
		switch n {
		case "canvas":
			fs.StringVar(&o.canvas, n, "", u)
		case "stage":
			fs.StringVar(&o.stage, n, "", u)
		case "source":
			fs.StringVar(&o.source, n, "", u)
		case "output":
			fs.StringVar(&o.output, n, "table", u)
			fs.StringVar(&o.output, "o", "table", u)
		case "url":
			fs.StringVar(&o.url, n, "", u)
		case "file":
			fs.StringVar(&o.file, n, "", u)
		case "type":
			fs.StringVar(&o.eventType, n, "", u)
		case "state":
			fs.StringVar(&o.state, n, "", u)
		case "data":
			fs.Var(&o.data, n, u)
		case "limit":
			fs.IntVar(&o.limit, n, 0, u)
		case "interval":
			fs.DurationVar(&o.interval, n, defaultInterval, u)
		case "timeout":
			fs.DurationVar(&o.timeout, n, defaultTimeout, u)
		case "token-stdin":
			fs.BoolVar(&o.tokenStdin, n, false, u)
		case "browser":
			fs.BoolVar(&o.browser, n, false, u)
		case "follow":
			fs.BoolVar(&o.follow, n, true, u)
		case "acked":
			fs.BoolVar(&o.acked, n, false, u)
		case "import":
			fs.BoolVar(&o.importing, n, false, u)
		case "others":
			fs.BoolVar(&o.others, n, false, u)
		case "user":
			fs.StringVar(&o.user, n, "", u)
		case "actor":
			fs.StringVar(&o.actor, n, "", u)
		case "action":
			fs.StringVar(&o.action, n, "", u)
		case "object-type":
			fs.StringVar(&o.objectType, n, "", u)
		case "since":
			fs.StringVar(&o.since, n, "", u)
		default:
			panic("cli: no flag " + n)
		}
	}
}

// check refuses flag values no command can use.
func (o *options) check(cmd string) error {
	switch o.output {
	case "", "table", "json":
	default:
		return usagef(cmd, "--output must be table or json, not %q", o.output)
	}
	if o.limit < 0 || o.limit > maxLimit {
		return usagef(cmd, "--limit must be between 1 and %d", maxLimit)
	}
	if o.interval < minInterval || o.interval > maxInterval {
		return usagef(cmd, "--interval must be between %s and %s", minInterval, maxInterval)
	}
	if o.timeout <= 0 {
		return usagef(cmd, "--timeout must be above 0")
	}
	return nil
}

// json tells whether the command prints the API's JSON.
func (o *options) json() bool { return o.output == "json" }

// kvFlag collects repeated KEY=VALUE (or KEY:=JSON) flags in order.
type kvFlag []string

func (k *kvFlag) String() string { return strings.Join(*k, ",") }

// Set checks the form only; emit decodes the values.
func (k *kvFlag) Set(v string) error {
	if i := strings.Index(v, "="); i <= 0 || (i == 1 && v[0] == ':') {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	*k = append(*k, v)
	return nil
}
