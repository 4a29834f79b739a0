package engine

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestNextWindowOpening: a queue head waiting for a time window is looked
// at again when the window opens, not before and not a day late.
func TestNextWindowOpening(t *testing.T) {
	monday := func(hh, mm int) time.Time { return time.Date(2026, time.December, 7, hh, mm, 0, 0, time.UTC) }
	window := func(start, end string, days ...string) api.Condition {
		return api.Condition{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: start, End: end, WeekDays: days}}
	}
	cases := []struct {
		name       string
		conditions []api.Condition
		now, want  time.Time
	}{
		{"later today", []api.Condition{window("22:00", "02:00")}, monday(10, 0), monday(22, 0)},
		{"a weekday later", []api.Condition{window("09:00", "17:00", "saturday")}, monday(10, 0), monday(9, 0).AddDate(0, 0, 5)},
		{"at midnight, spanning into an allowed day", []api.Condition{window("22:00", "02:00", "tuesday")}, monday(23, 0), monday(0, 0).AddDate(0, 0, 1)},
		{"when both windows hold", []api.Condition{window("08:00", "12:00"), window("10:00", "18:00")}, monday(7, 0), monday(10, 0)},
		{"never: the periodic recheck", []api.Condition{window("09:00", "10:00"), window("11:00", "12:00")}, monday(7, 0), monday(7, 0).Add(recheckEvery)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := nextWindowOpening(api.StageSpec{Conditions: tc.conditions}, tc.now)
			if !got.Equal(tc.want) {
				t.Errorf("nextWindowOpening at %v = %v, want %v", tc.now, got, tc.want)
			}
		})
	}
}

// TestAllDayWindow: a window from 00:00 to 24:00 on chosen days holds a
// chosen day up to its last second and no minute of the next, unchosen,
// day; a queue head waiting on that day is looked at again at the next
// chosen day's midnight.
func TestAllDayWindow(t *testing.T) {
	allDay := api.ConditionTimeWindow{Start: "00:00", End: "24:00", WeekDays: []string{"monday", "wednesday"}}
	monday := time.Date(2026, time.December, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"a chosen day's first second", monday, true},
		{"a chosen day's last half minute", monday.Add(23*time.Hour + 59*time.Minute + 30*time.Second), true},
		{"the next, unchosen, day at midnight", monday.AddDate(0, 0, 1), false},
		{"the next chosen day", monday.AddDate(0, 0, 2).Add(12 * time.Hour), true},
	} {
		if got := inWindow(allDay, tc.at); got != tc.want {
			t.Errorf("%s (%v): inWindow = %v, want %v", tc.name, tc.at, got, tc.want)
		}
	}
	spec := api.StageSpec{Conditions: []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &allDay}}}
	if got, want := nextWindowOpening(spec, monday.AddDate(0, 0, 1).Add(time.Hour)), monday.AddDate(0, 0, 2); !got.Equal(want) {
		t.Errorf("waiting on tuesday: next opening %v, want %v", got, want)
	}
}
