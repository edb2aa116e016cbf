// Package slo is the arithmetic of service level objectives: error budgets,
// burn rates, SLO windows, multiwindow multi-burn-rate alerting (The Site
// Reliability Workbook, chapter 5), journeys that combine the SLIs of
// several steps, and timeslice budgeting.
//
// The package is pure: it does no I/O and never reads the clock; every
// instant is a parameter. Ratios are float64 values in [0, 1]: an objective
// of "99.9%" is 0.999, its error budget 0.001, and an error ratio is bad
// events over all events. Durations follow Prometheus (see ParseDuration
// and FormatDuration), so the windows here name the recording rules that
// measure them.
package slo
