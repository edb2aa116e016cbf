package slo_test

import (
	"fmt"
	"time"

	"kiban.dev/kiban/internal/slo"
)

func ExampleDefaultAlertWindows() {
	period, _ := slo.ParseDuration("28d")
	for _, w := range slo.DefaultAlertWindows(period) {
		fmt.Printf("%-12s %-6s long %-3s short %-3s factor %.4g\n",
			w.Name, w.Severity, slo.FormatDuration(w.Long), slo.FormatDuration(w.Short), w.Factor)
	}
	// Output:
	// page-quick   page   long 1h  short 5m  factor 13.44
	// page-slow    page   long 6h  short 30m factor 5.6
	// ticket-quick ticket long 1d  short 2h  factor 2.8
	// ticket-slow  ticket long 3d  short 6h  factor 0.9333
}

func ExampleBudgetMinutes() {
	objective, _ := slo.ObjectiveFromPercent(99.9)
	period := 30 * slo.Day
	// Half the budget is left, and errors burn it at twice the sustainable rate.
	remaining := 0.5
	left, _ := slo.TimeToExhaustion(remaining, 2, period)
	fmt.Printf("whole budget: %.1f minutes of full outage\n", slo.BudgetMinutes(1, objective, period))
	fmt.Printf("left: %.1f minutes, exhausted in %v\n", slo.BudgetMinutes(remaining, objective, period), left)
	// Output:
	// whole budget: 43.2 minutes of full outage
	// left: 21.6 minutes, exhausted in 180h0m0s
}

func ExampleJourneySuccess() {
	steps := []slo.StepCounts{
		{Name: "browse", Weight: 1, Good: 990, Total: 1000},
		{Name: "cart", Weight: 2, Good: 95, Total: 100},
		{Name: "pay", Weight: 1, Good: 800, Total: 800},
	}
	for _, c := range []slo.Combine{slo.CombineWeightedAverage, slo.CombineEventWeighted} {
		success, _, err := slo.JourneySuccess(c, steps)
		if err != nil {
			fmt.Println(err)
			return
		}
		shares, _ := slo.StepShares(c, steps)
		fmt.Printf("%s: %.4f, shares %.3f\n", c, success, shares)
	}
	// Output:
	// weightedAverage: 0.9725, shares [0.091 0.909 0.000]
	// eventWeighted: 0.9900, shares [0.500 0.500 0.000]
}

func ExampleWindow_Period() {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		fmt.Println(err)
		return
	}
	w := slo.Window{Calendar: slo.CalendarMonth, Location: paris}
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, paris)
	start, end := w.Period(at)
	fmt.Println(start, "to", end, "is", w.Length(at))
	// Output:
	// 2026-03-01 00:00:00 +0100 CET to 2026-04-01 00:00:00 +0200 CEST is 743h0m0s
}
