package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/filter"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

var (
	weekDays = []string{"WEEK_DAY_MONDAY", "WEEK_DAY_TUESDAY", "WEEK_DAY_WEDNESDAY", "WEEK_DAY_THURSDAY", "WEEK_DAY_FRIDAY", "WEEK_DAY_SATURDAY", "WEEK_DAY_SUNDAY"}
)

// SchemeStandardWebhooks is the stored signature scheme of a webhook source
// signed the Standard Webhooks way ("" is the default HMAC of the body). It
// is the receiver's webhook.SchemeStandardWebhooks, which this package may
// not import; a server test checks that the two agree.
const SchemeStandardWebhooks = "standard-webhooks"

// sourceSpec is a validated event source spec.
type sourceSpec struct {
	typ          string
	integration  *store.Integration
	resourceType string
	resourceName string
	events       []byte
	schedule     []byte
	// scheme is the store's signature scheme: "" or
	// SchemeStandardWebhooks; set tells whether the request named one.
	scheme    string
	schemeSet bool
}

// validateSourceSpec checks spec for a source in canvas c; every error names
// its field.
func (s *EventSources) validateSourceSpec(ctx context.Context, p store.Principal, c store.Canvas, spec *api.EventSourceSpec) (sourceSpec, error) {
	if spec == nil {
		return sourceSpec{}, Invalid("eventSource.spec is required")
	}
	out := sourceSpec{typ: spec.Type}
	switch spec.Type {
	case api.EventSourceTypeWebhook, api.EventSourceTypeManual, api.EventSourceTypeScheduled:
		if spec.Integration != nil && spec.Integration.Name != "" {
			return out, Invalid("eventSource.spec.integration is not used by %s sources", spec.Type)
		}
		if spec.Resource != nil && spec.Resource.Name != "" {
			return out, Invalid("eventSource.spec.resource is not used by %s sources", spec.Type)
		}
	case "":
		return out, Invalid("eventSource.spec.type is required: %s", api.JoinOr(api.EventSourceTypes()))
	default:
		// A source of an integration type whose hooks SuperPlane provisions.
		typ, ok := s.Types.Hooks(spec.Type)
		if !ok {
			return out, Invalid("eventSource.spec.type %q is not one of %s", spec.Type, strings.Join(api.EventSourceTypes(), ", "))
		}
		if spec.Integration == nil || spec.Integration.Name == "" {
			return out, Invalid("eventSource.spec.integration.name is required for %s sources", spec.Type)
		}
		in, err := s.FindIntegration(ctx, p, c, spec.Integration)
		if err != nil {
			return out, err
		}
		if in.Type != spec.Type {
			return out, Invalid("eventSource.spec.integration: integration %q is a %s integration, not %s", in.Name, in.Type, spec.Type)
		}
		out.integration = &in
		wantResource := typ.ResourceKind()
		if spec.Resource == nil || spec.Resource.Name == "" {
			return out, Invalid("eventSource.spec.resource.name is required for %s sources: the %s", spec.Type, wantResource)
		}
		if spec.Resource.Type != "" && spec.Resource.Type != wantResource {
			return out, Invalid("eventSource.spec.resource.type %q is not %q", spec.Resource.Type, wantResource)
		}
		if err := validResourceName(spec.Type, spec.Resource.Name); err != nil {
			return out, Invalid("eventSource.spec.resource.name %q must be %s", spec.Resource.Name, err.Error())
		}
		out.resourceType, out.resourceName = wantResource, spec.Resource.Name
	}

	var err error
	if out.scheme, out.schemeSet, err = signatureScheme(spec); err != nil {
		return out, err
	}

	if spec.Type == api.EventSourceTypeScheduled {
		if err := validateSchedule(spec.Schedule); err != nil {
			return out, err
		}
		b, _ := json.Marshal(spec.Schedule)
		out.schedule = b
	} else if spec.Schedule != nil && spec.Schedule.Type != "" {
		return out, Invalid("eventSource.spec.schedule is only used by scheduled sources")
	}

	events := spec.Events
	if events == nil {
		events = []api.EventSourceEventType{}
	}
	seen := map[string]bool{}
	for i := range events {
		ev := &events[i]
		field := fmt.Sprintf("eventSource.spec.events[%d]", i)
		if !api.EventTypePattern.MatchString(ev.Type) {
			return out, Invalid("%s.type %q must be 1-128 letters, digits, '.', '_', ':' or '-'", field, ev.Type)
		}
		if seen[ev.Type] {
			return out, Invalid("%s.type %q is listed twice", field, ev.Type)
		}
		seen[ev.Type] = true
		if ev.FilterOperator == "" {
			ev.FilterOperator = api.FilterOperatorAnd
		}
		if ev.Filters == nil {
			ev.Filters = []api.Filter{}
		}
		if _, err := filter.CompileSet(field, ev.Filters, ev.FilterOperator); err != nil {
			return out, Invalid("%s", err.Error())
		}
	}
	out.events, _ = json.Marshal(events)
	return out, nil
}

func validateSchedule(sc *api.EventSourceSchedule) error {
	if sc == nil {
		return Invalid("eventSource.spec.schedule is required for scheduled sources")
	}
	switch sc.Type {
	case api.ScheduleTypeHourly:
		if sc.Hourly == nil || sc.Hourly.Minute < 0 || sc.Hourly.Minute > 59 {
			return Invalid("eventSource.spec.schedule.hourly.minute must be 0-59")
		}
	case api.ScheduleTypeDaily:
		if sc.Daily == nil || !api.TimeOfDayPattern.MatchString(sc.Daily.Time) {
			return Invalid("eventSource.spec.schedule.daily.time must be HH:MM (UTC, 24-hour)")
		}
	case api.ScheduleTypeWeekly:
		if sc.Weekly == nil || !slices.Contains(weekDays, sc.Weekly.WeekDay) {
			return Invalid("eventSource.spec.schedule.weekly.weekDay must be one of %s", strings.Join(weekDays, ", "))
		}
		if !api.TimeOfDayPattern.MatchString(sc.Weekly.Time) {
			return Invalid("eventSource.spec.schedule.weekly.time must be HH:MM (UTC, 24-hour)")
		}
	default:
		return Invalid("eventSource.spec.schedule.type %q is not one of TYPE_HOURLY, TYPE_DAILY, TYPE_WEEKLY", sc.Type)
	}
	return nil
}

// signatureScheme validates spec.signatureScheme and returns the store's
// value ("" or SchemeStandardWebhooks), and whether the request named one.
func signatureScheme(spec *api.EventSourceSpec) (scheme string, set bool, err error) {
	switch spec.SignatureScheme {
	case "":
		return "", false, nil
	case api.SignatureSchemeHMAC, api.SignatureSchemeStandardWebhooks:
		if spec.Type != api.EventSourceTypeWebhook {
			return "", false, Invalid("eventSource.spec.signatureScheme is only used by webhook sources")
		}
		if spec.SignatureScheme == api.SignatureSchemeStandardWebhooks {
			return SchemeStandardWebhooks, true, nil
		}
		return "", true, nil
	default:
		return "", false, Invalid("eventSource.spec.signatureScheme %q is not one of %s, %s",
			spec.SignatureScheme, api.SignatureSchemeHMAC, api.SignatureSchemeStandardWebhooks)
	}
}

// FindIntegration resolves a source's integration reference (see
// findIntegration).
func (s *EventSources) FindIntegration(ctx context.Context, p store.Principal, c store.Canvas, ref *api.IntegrationRef) (store.Integration, error) {
	return findIntegration(ctx, s.Store, p, c, ref)
}

// findIntegration resolves a source's or an executor's integration
// reference, with the same messages for both: the canvas's own integration
// first, then the organization's, unless the reference names the domain.
func findIntegration(ctx context.Context, st store.Store, p store.Principal, c store.Canvas, ref *api.IntegrationRef) (store.Integration, error) {
	var domains [][2]string
	switch ref.DomainType {
	case api.DomainTypeCanvas:
		domains = [][2]string{{store.DomainCanvas, c.ID}}
	case api.DomainTypeOrganization:
		domains = [][2]string{{store.DomainOrganization, p.Organization.ID}}
	case "", api.DomainTypeUnspecified:
		domains = [][2]string{{store.DomainCanvas, c.ID}, {store.DomainOrganization, p.Organization.ID}}
	default:
		return store.Integration{}, Invalid("eventSource.spec.integration.domainType %q is not one of DOMAIN_TYPE_ORGANIZATION, DOMAIN_TYPE_CANVAS", ref.DomainType)
	}
	for _, d := range domains {
		in, err := st.FindIntegration(ctx, p.Organization.ID, d[0], d[1], ref.Name)
		if err == nil {
			return in, nil
		}
		if !isNotFound(err) {
			return store.Integration{}, err
		}
	}
	return store.Integration{}, NotFound("eventSource.spec.integration: integration %q not found", ref.Name)
}
