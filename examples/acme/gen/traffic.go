package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// The shop's traffic: how many requests arrive when (a daily cycle in
// Paris time, weekdays and weekends), what they ask for (the route mix),
// how they end (status codes, latencies), and the incident.

// host is the shop's domain, which the SLIs in ../slos select.
const host = "shop.acme.example"

// The daily cycle, relative to the evening peak, by hour of the day in
// Europe/Paris; the rate is interpolated linearly between the hours.
var (
	weekdayProfile = [24]float64{
		0.24, 0.14, 0.09, 0.07, 0.07, 0.09, 0.16, 0.28, 0.40, 0.48, 0.53, 0.57,
		0.64, 0.62, 0.54, 0.53, 0.56, 0.63, 0.76, 0.91, 1.00, 0.95, 0.70, 0.42,
	}
	weekendProfile = [24]float64{
		0.32, 0.20, 0.12, 0.08, 0.07, 0.07, 0.09, 0.14, 0.24, 0.38, 0.52, 0.62,
		0.66, 0.68, 0.72, 0.76, 0.79, 0.81, 0.84, 0.91, 1.00, 0.97, 0.74, 0.48,
	}
	// dayFactor scales each day of the week: Sunday evening is the busiest
	// time of a web shop's week, Friday the quietest evening.
	dayFactor = [7]float64{ // time.Sunday first
		1.15, 0.97, 0.98, 1.00, 0.99, 0.90, 1.05,
	}
)

// load is the request rate at t relative to the week's peak rate (about
// 1.15 on a Sunday evening), with a day-to-day variation of a few percent
// that the seed decides.
func load(t time.Time, seed uint64) float64 {
	l := t.In(paris)
	p := &weekdayProfile
	if wd := l.Weekday(); wd == time.Saturday || wd == time.Sunday {
		p = &weekendProfile
	}
	h := float64(l.Hour()) + float64(l.Minute())/60 + float64(l.Second())/3600
	i := int(h)
	f := h - float64(i)
	v := p[i]*(1-f) + p[(i+1)%24]*f
	y, m, d := l.Date()
	day := uint64(y)*10000 + uint64(m)*100 + uint64(d)
	noise := 0.94 + 0.12*float64(mix(seed^day)>>11)/(1<<53)
	return v * dayFactor[l.Weekday()] * noise
}

// mix is splitmix64's finaliser: a well-spread hash of a number.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// A service behind the load balancer: one target group, a few targets.
type service struct {
	name    string
	targets []string // ip:port
	arn     string
}

func newService(name, id string, subnet int) *service {
	s := &service{name: name, arn: "arn:aws:elasticloadbalancing:" + region + ":" + account + ":targetgroup/shop-" + name + "/" + id}
	for i := range 3 {
		s.targets = append(s.targets, "10.20."+strconv.Itoa(subnet)+"."+strconv.Itoa(11+i*7)+":8080")
	}
	return s
}

var (
	storefront = newService("storefront", "2f7a9c1e5b3d8a06", 1)
	searchSvc  = newService("search", "8c41d2e9a7f03b15", 2)
	cartSvc    = newService("cart", "4e0b6a3f9d2c7e81", 3)
	checkout   = newService("checkout", "b93e5f1a0c8d4726", 4)
	payments   = newService("payments", "1d6c8e4b2a9f5037", 5)
	loginSvc   = newService("login", "7a2f0e9c5b1d3864", 6)
)

// code is a status a route answers with some probability.
type code struct {
	status int
	p      float64
}

// route is a class of requests.
type route struct {
	name   string
	weight float64 // share of the traffic, relative
	method string
	path   func(r *rand.Rand) string // path and query
	svc    *service
	rule   int     // matched_rule_priority of the listener rule
	ok     int     // the status of a success
	codes  []code  // other outcomes (4xx, 3xx), each with its probability
	median float64 // target processing time, seconds
	sigma  float64 // of its logarithm
	recv   [2]int  // request bytes, min and max
	sent   [2]int  // response bytes, min and max
	slo    bool    // an SLI selects it (only used in the README's table)
}

// background5xx is the share of requests to any route that fail with a
// 5xx outside the incident: 0.02%, well inside every SLO's budget.
const background5xx = 0.0002

// slowTail is the share of requests that take several times their usual
// time (a garbage collection, a cold cache).
const slowTail = 0.0005

var searchTerms = []string{
	"red+shoes", "rain+jacket", "coffee+grinder", "linen+shirt", "running+socks",
	"desk+lamp", "kids+backpack", "wool+scarf", "espresso+cups", "yoga+mat",
	"headphones", "water+bottle", "sneakers", "winter+coat", "bath+towels",
	"chef+knife", "cast+iron+pan", "sunglasses", "umbrella", "gift+card",
}

var products = []string{
	"trail-runner-gtx", "merino-crew-sock", "linen-overshirt", "city-rain-jacket",
	"burr-coffee-grinder", "oak-desk-lamp", "canvas-tote", "alpaca-scarf",
	"stoneware-mug-set", "cork-yoga-mat", "steel-bottle-750", "down-parka",
}

var staticAssets = []string{
	"/static/js/app.4f1c9e2b.js", "/static/js/vendor.8a03d7f1.js", "/static/css/main.c27e91a4.css",
	"/static/fonts/inter-var.woff2", "/static/img/logo.svg", "/static/img/hero-spring.webp",
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func orderID(r *rand.Rand) string { return strconv.Itoa(4100000 + r.IntN(900000)) }

// routes is the shop's traffic mix. The first ones are what the SLOs in
// ../slos select; the rest is traffic no SLI selects.
var routes = []*route{
	{name: "cart", weight: 6, method: "POST", path: func(*rand.Rand) string { return "/api/cart/items" },
		svc: cartSvc, rule: 3, ok: 201, codes: []code{{400, 0.005}, {409, 0.008}},
		median: 0.050, sigma: 0.5, recv: [2]int{420, 760}, sent: [2]int{380, 1400}, slo: true},
	{name: "payment", weight: 1.8, method: "POST", path: func(*rand.Rand) string { return "/api/payments" },
		svc: payments, rule: 2, ok: 201, codes: []code{{402, 0.04}, {422, 0.004}},
		median: 0.600, sigma: 0.35, recv: [2]int{900, 1300}, sent: [2]int{300, 520}, slo: true},
	{name: "confirmation", weight: 1.6, method: "GET", path: func(r *rand.Rand) string {
		p := "/orders/" + orderID(r) + "/confirmation"
		if r.IntN(5) == 0 {
			p += "?utm_source=email&utm_medium=order"
		}
		return p
	},
		svc: checkout, rule: 4, ok: 200, codes: []code{{404, 0.003}},
		median: 0.170, sigma: 0.45, recv: [2]int{380, 700}, sent: [2]int{9000, 16000}, slo: true},
	{name: "checkout", weight: 6.5, method: "", path: nil, // method and path by checkoutRequest
		svc: checkout, rule: 4, ok: 200, codes: []code{{400, 0.004}, {409, 0.003}, {422, 0.003}},
		median: 0.110, sigma: 0.5, recv: [2]int{400, 1600}, sent: [2]int{600, 4200}, slo: true},
	{name: "search", weight: 14, method: "GET", path: func(r *rand.Rand) string {
		p := "/api/search?q=" + pick(r, searchTerms)
		if r.IntN(6) == 0 {
			p += "&page=" + strconv.Itoa(2+r.IntN(4))
		}
		return p
	},
		svc: searchSvc, rule: 5, ok: 200, codes: []code{{400, 0.002}},
		median: 0.060, sigma: 0.5, recv: [2]int{350, 620}, sent: [2]int{2500, 24000}, slo: true},
	{name: "login", weight: 3, method: "POST", path: func(*rand.Rand) string { return "/api/login" },
		svc: loginSvc, rule: 6, ok: 200, codes: []code{{401, 0.07}, {429, 0.002}},
		median: 0.160, sigma: 0.35, recv: [2]int{520, 780}, sent: [2]int{240, 900}, slo: true},

	{name: "home", weight: 7, method: "GET", path: func(*rand.Rand) string { return "/" },
		svc: storefront, rule: 0, ok: 200, codes: []code{{460, 0.001}},
		median: 0.045, sigma: 0.5, recv: [2]int{300, 900}, sent: [2]int{28000, 52000}},
	{name: "product", weight: 14, method: "GET", path: func(r *rand.Rand) string {
		return "/products/" + pick(r, products) + "-" + strconv.Itoa(10000+r.IntN(80000))
	},
		svc: storefront, rule: 0, ok: 200, codes: []code{{404, 0.01}, {460, 0.001}},
		median: 0.070, sigma: 0.55, recv: [2]int{300, 900}, sent: [2]int{36000, 90000}},
	{name: "static", weight: 30, method: "GET", path: func(r *rand.Rand) string {
		if r.IntN(8) == 0 {
			return "/static/img/products/" + strconv.Itoa(10000+r.IntN(80000)) + ".webp"
		}
		return pick(r, staticAssets)
	},
		svc: storefront, rule: 1, ok: 200, codes: []code{{304, 0.24}, {404, 0.005}},
		median: 0.002, sigma: 0.7, recv: [2]int{280, 700}, sent: [2]int{1200, 180000}},
	{name: "misc", weight: 2, method: "GET", path: func(r *rand.Rand) string {
		return pick(r, []string{"/favicon.ico", "/robots.txt", "/sitemap.xml", "/manifest.webmanifest"})
	},
		svc: storefront, rule: 1, ok: 200, codes: []code{{304, 0.3}},
		median: 0.002, sigma: 0.6, recv: [2]int{250, 500}, sent: [2]int{200, 9000}},
	{name: "basket", weight: 5, method: "GET", path: func(*rand.Rand) string { return "/api/cart" },
		svc: cartSvc, rule: 3, ok: 200, codes: []code{{401, 0.01}},
		median: 0.030, sigma: 0.5, recv: [2]int{300, 600}, sent: [2]int{400, 6000}},
	{name: "account", weight: 1.5, method: "GET", path: func(*rand.Rand) string { return "/account/orders" },
		svc: storefront, rule: 0, ok: 200, codes: []code{{302, 0.03}},
		median: 0.090, sigma: 0.5, recv: [2]int{400, 900}, sent: [2]int{12000, 30000}},
	{name: "scanner", weight: 0.6, method: "GET", path: func(r *rand.Rand) string {
		return pick(r, []string{"/wp-login.php", "/.env", "/admin/config.php", "/.git/config", "/xmlrpc.php"})
	},
		svc: storefront, rule: 0, ok: 404,
		median: 0.004, sigma: 0.5, recv: [2]int{150, 400}, sent: [2]int{180, 900}},
}

// checkoutRequest is a request to the checkout API.
func checkoutRequest(r *rand.Rand) (method, path string) {
	switch x := r.Float64(); {
	case x < 0.45:
		return "GET", "/api/checkout/summary"
	case x < 0.65:
		return "PUT", "/api/checkout/shipping"
	case x < 0.80:
		return "PUT", "/api/checkout/billing-address"
	default:
		return "POST", "/api/checkout/orders"
	}
}

// incident is the payment outage the example tells: two days before the
// end, at 19:10 Paris time, in the evening rush, the payment service
// provider's API starts timing out. For two hours, 30 to 40% of POST
// /api/payments fail with 503 (the payments service's circuit breaker) or
// 504 (the load balancer giving up on it), the payments that go through
// take seconds, and the order confirmation page, which waits for the
// payment's final state, is slow, most of the time over its 1 s threshold
// at the height of it. The checkout API sees a few 502s; search and login
// are untouched.
type incident struct {
	start, end time.Time
}

func incidentFor(end time.Time) incident {
	l := end.In(paris)
	start := time.Date(l.Year(), l.Month(), l.Day()-2, 19, 10, 0, 0, paris)
	return incident{start: start.UTC(), end: start.Add(2 * time.Hour).UTC()}
}

// severity is 0 outside the incident, and from 0 at its edges to 1 in its
// middle inside.
func (in incident) severity(t time.Time) (float64, bool) {
	if t.Before(in.start) || !t.Before(in.end) {
		return 0, false
	}
	f := float64(t.Sub(in.start)) / float64(in.end.Sub(in.start))
	return math.Sin(math.Pi * f), true
}

// outcome is how a request ends.
type outcome struct {
	elbStatus    int
	targetStatus int     // 0: no target answered ("-")
	reqTime      float64 // request_processing_time, seconds; -1 unknown
	targetTime   float64
	respTime     float64
}

// serve decides a request's outcome.
func serve(r *rand.Rand, rt *route, t time.Time, in incident, ld float64) outcome {
	median, sigma := rt.median, rt.sigma
	p5xx := background5xx
	gatewayShare := 0.5 // of the 5xx, those the load balancer answers (502/504)
	if rt.name == "search" {
		median *= 1 + 0.25*min(ld, 1) // search slows down a little at peak
	}
	if sev, ok := in.severity(t); ok {
		switch rt.name {
		case "payment":
			p5xx = 0.30 + 0.10*sev
			gatewayShare = 0.4
			median, sigma = 2.4, 0.5
		case "confirmation":
			median = 0.65 + 0.85*sev
		case "checkout":
			p5xx = 0.01
		}
	}
	o := outcome{reqTime: 0, respTime: 0}
	if r.Float64() < 0.3 {
		o.reqTime = 0.001
	}
	x := r.Float64()
	if x < p5xx {
		if r.Float64() < gatewayShare {
			if rt.name == "payment" && p5xx > background5xx {
				// The load balancer times out waiting for the target.
				o.elbStatus, o.targetTime, o.respTime = 504, -1, -1
				return o
			}
			// The target reset the connection.
			o.elbStatus, o.targetTime, o.respTime = 502, -1, -1
			return o
		}
		o.elbStatus = 500
		if p5xx > background5xx {
			o.elbStatus = 503
		}
		o.targetStatus = o.elbStatus
		o.targetTime = median / 4 * math.Exp(sigma*r.NormFloat64())
		return o
	}
	x = r.Float64()
	o.elbStatus = rt.ok
	for _, c := range rt.codes {
		if x < c.p {
			o.elbStatus = c.status
			break
		}
		x -= c.p
	}
	if o.elbStatus == 460 {
		// The client closed the connection before the target answered.
		o.targetTime, o.respTime = -1, -1
		return o
	}
	o.targetStatus = o.elbStatus
	o.targetTime = median * math.Exp(sigma*r.NormFloat64())
	if r.Float64() < slowTail {
		o.targetTime *= 4 + 6*r.Float64()
	}
	if o.elbStatus >= 300 && o.elbStatus < 500 && o.elbStatus != rt.ok {
		o.targetTime *= 0.4 // errors and redirects are cheap
	}
	return o
}
