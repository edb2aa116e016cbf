package main

import "time"

// story is one of Acme's past incidents, as the seed tells it through the
// API: opened, taken through its lifecycle with backdated times, given
// action items and a published blameless postmortem, then closed.
type story struct {
	Title    string
	Severity string // when opened; a step may change it
	// Services affected; the first one's owner is the owning team.
	Services []string
	SLOs     []string
	Summary  string
	Impact   string
	// Commander is named when the incident is opened; steps name the
	// other roles.
	Commander string

	// DaysAgo and Clock (HH:MM, Europe/Paris) say when impact began,
	// relative to the seed's now.
	DaysAgo int
	Clock   string
	// Opened is when the incident was declared, after the start, and
	// Acked when its commander first acted on it.
	Opened, Acked time.Duration
	// Steps are what happened next, in order. The postmortem is written
	// after the step that resolves the incident and before the one that
	// closes it.
	Steps      []step
	Actions    []action
	Postmortem review
}

// step is one change of an incident, After its start.
type step struct {
	After                 time.Duration
	Status                string
	Severity              string
	Scribe, Communication string
	Note                  string
}

// action is an action item, agreed After the start of its incident.
type action struct {
	Title, Owner, Type, Tracker string
	Agreed                      time.Duration
	// DueIn is the due day, in days from the seed's day: negative is in
	// the past, 0 means no due day.
	DueIn int
	// Status is where the item stands today: open, in_progress, done or
	// wontfix.
	Status string
	// ClosedIn is the day a done item was closed, in days from the seed's
	// day (negative: in the past); on or before its due day it counts as
	// closed on time.
	ClosedIn int
}

// review is the postmortem the authors wrote into the prefilled template.
type review struct {
	Cause string
	Tags  []string
	// Sections replace the prompts of the template's sections, by
	// heading; a section without a prompt gets the text appended.
	Sections map[string]string
	// Rewrite replaces whole sections, by heading: Detection, whose
	// prefilled text says that no alert is attached (the incidents were
	// declared by hand, from the page).
	Rewrite map[string]string
}

const (
	hour   = time.Hour
	minute = time.Minute
	day    = 24 * time.Hour
)

// stories are Acme's incidents of the last ten weeks, oldest first. Every
// person is a member of examples/acme/teams.yaml, every service and SLO is
// in examples/acme. Exactly one action item is overdue: the identity
// team's move of login's certificates to ACM.
var stories = []story{
	{
		Title:     "Nightly membership renewals ran 9 hours late after membership-api rate limiting",
		Severity:  "SEV4",
		Services:  []string{"renewals", "membership-api"},
		SLOs:      []string{"membership-api-requests-availability"},
		Commander: "gmoreau",
		Summary: "The nightly renewals job, which renews the memberships due that day, ran for 9 hours instead of about 40 minutes. " +
			"A membership-api release the day before introduced a per-client rate limit; the job exceeded it, got HTTP 429 answers " +
			"and retried at once, without backing off. Exempting the job's client from the limit let it finish; every renewal went through the same morning.",
		Impact: "About 3,100 members due for renewal were charged between 07:00 and 11:00 instead of overnight, and got their renewal e-mail late. " +
			"No membership lapsed: the 3-day grace period covered the delay. Other membership-api clients saw occasional 429 answers between 02:00 and 08:30.",
		DaysAgo: 70, Clock: "02:00", Opened: 5*hour + 40*minute, Acked: 5*hour + 52*minute,
		Steps: []step{
			{After: 5*hour + 45*minute, Scribe: "tnguyen",
				Note: "Renewals job still running: 1,240 of 3,100 renewals done. membership-api logs show 429 for the renewals-job client since 02:01."},
			{After: 6*hour + 5*minute, Status: "identified",
				Note: "Per-client rate limit of 20 requests a second shipped with membership-api 4.18.0 yesterday; the renewals client retries a 429 at once, without backoff."},
			{After: 6*hour + 10*minute, Communication: "pobrien",
				Note: "Support told: renewal charges and e-mails are late today, members need to do nothing."},
			{After: 6*hour + 30*minute, Status: "monitoring",
				Note: "Rate-limit exemption for the renewals-job client deployed through membership-api's configuration; the job is back to 80 renewals a second."},
			{After: 9*hour + 5*minute, Status: "resolved",
				Note: "Renewals job finished: 3,102 renewals, 14 declined cards sent to dunning as usual, no lapsed membership."},
			{After: 6 * day, Status: "closed", Note: "Postmortem reviewed with the membership team; closing."},
		},
		Actions: []action{
			{Title: "Give the renewals job its own rate-limit class in membership-api", Owner: "tnguyen", Type: "mitigate",
				Tracker: "https://tracker.acme.example/browse/MEM-731", Agreed: day, DueIn: -63, Status: "done", ClosedIn: -66},
			{Title: "Back off exponentially and honour Retry-After in the renewals job's API client", Owner: "hschultz", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/MEM-732", Agreed: day, DueIn: 3, Status: "done", ClosedIn: -40},
			{Title: "Page when the nightly renewals job has not finished by 06:00", Owner: "membership", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/MEM-733", Agreed: day, DueIn: 18, Status: "open"},
			{Title: "Add \"which internal clients does this affect?\" to the membership-api release checklist", Owner: "gmoreau", Type: "process",
				Tracker: "https://tracker.acme.example/browse/MEM-734", Agreed: day, DueIn: -49, Status: "done", ClosedIn: -45},
		},
		Postmortem: review{
			Cause: "change",
			Tags:  []string{"rate-limiting", "batch", "renewals", "retries"},
			Sections: map[string]string{
				"Root causes": "membership-api 4.18.0 added a per-client rate limit of 20 requests a second, to protect the database from a partner " +
					"integration that had polled it too often. The limit applied to every client, including our own renewals job, which pages through " +
					"the memberships due and calls the API about 80 times a second for 40 minutes each night. The job's API client treated HTTP 429 " +
					"like a network error and retried at once, so most of its requests were rejected and retried, and progress fell to about 6 " +
					"renewals a second. Nothing in our release process asked which internal clients a new limit would affect, and the limit had no " +
					"way to exempt a client until the fix.",
				"Trigger": "The deploy of membership-api 4.18.0 the afternoon before; the renewals job's 02:00 run was the first heavy internal client after it.",
				"Resolution": "Once the 429 answers were seen, exempting the job's client was a configuration change, deployed in 25 minutes. The job then " +
					"ran at its usual speed and finished at 11:05. Recovery took that long because the job cannot be split or run in parallel: it " +
					"had to work through the backlog alone.",
				"What went well": "The 3-day grace period meant no member lost access. membership-api's configuration could be changed without a release. " +
					"Support had a short, accurate message for members within 30 minutes of the incident being declared.",
				"What went wrong": "The rate limit shipped without a list of the clients it would affect. The renewals client had no backoff. The first " +
					"signal was a ticket alert, which by design nobody sees at night, and the job's duration was not monitored at all.",
				"Where we got lucky": "It happened on a night with 3,100 renewals; on the first of the month there are about 25,000, which would not " +
					"have finished the same day. Billing's payment retries had not started yet, so no member was charged twice.",
			},
			Rewrite: map[string]string{
				"Detection": "The MembershipAPIHighErrorRate ticket alert fired at 02:20 (429 answers count as errors in the SLO) and waited in the ticket " +
					"queue until the morning, as ticket alerts do. Nothing watched how long the renewals job ran. A page for a renewals job still " +
					"running at 06:00 would have brought us in almost two hours earlier.",
			},
		},
	},
	{
		Title:     "Sign-in failing for every product: expired TLS certificate on login",
		Severity:  "SEV2",
		Services:  []string{"login", "storefront", "membership-web"},
		SLOs:      []string{"login-availability", "login-minutes"},
		Commander: "jmorales",
		Summary: "The TLS certificate of auth.acme.example, the sign-in endpoint of every Acme product, expired at 09:14. For 48 minutes " +
			"browsers refused to connect and the mobile apps reported a network error, so nobody could sign in or refresh an expired session. " +
			"A new certificate, managed by ACM, was deployed at 10:02.",
		Impact: "Every sign-in failed for 48 minutes on the web shop, the mobile apps and the membership app: about 41,000 attempts. " +
			"Customers already signed in kept browsing and paying until their session needed a refresh; guest checkout worked throughout. " +
			"Support received 380 contacts.",
		DaysAgo: 42, Clock: "09:14", Opened: 7 * minute, Acked: 11 * minute,
		Steps: []step{
			{After: 9 * minute, Scribe: "zali", Communication: "dkim",
				Note: "Synthetic sign-in check fails with a TLS handshake error; POST /api/login errors near 100%."},
			{After: 16 * minute, Severity: "SEV1", Note: "Sign-in of every product is affected: raising to SEV1."},
			{After: 24 * minute, Status: "identified",
				Note: "openssl s_client shows the certificate of auth.acme.example expired at 09:14 today. It was issued by hand two years ago and is not managed by ACM."},
			{After: 31 * minute, Note: "Status page updated: sign-in is failing, customers already signed in are not affected."},
			{After: 48 * minute, Status: "monitoring",
				Note: "New certificate issued through ACM and attached to the login load balancer; sign-ins succeed again."},
			{After: 76 * minute, Status: "resolved",
				Note: "Sign-in success rate back to 99.7% for 30 minutes; the apps recovered without an update."},
			{After: 7 * day, Status: "closed", Note: "Postmortem review held; closing."},
		},
		Actions: []action{
			{Title: "Replace the expired certificate on the login load balancer with an ACM-managed one", Owner: "chernandez", Type: "mitigate",
				Tracker: "https://tracker.acme.example/browse/IDN-208", Agreed: 40 * minute, Status: "done"},
			{Title: "Move every certificate of login and accounts to ACM with automatic renewal", Owner: "mnovak", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/IDN-209", Agreed: 2 * day, DueIn: -5, Status: "in_progress"},
			{Title: "Alert 21 days before any TLS certificate Acme serves expires", Owner: "pnair", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/SRE-1174", Agreed: 2 * day, DueIn: 10, Status: "in_progress"},
			{Title: "Record each service's certificates and who renews them in the catalog", Owner: "identity", Type: "process",
				Tracker: "https://tracker.acme.example/browse/IDN-210", Agreed: 2 * day, DueIn: 25, Status: "open"},
			{Title: "Send certificate renewal reminders to the owning team's channel, not to a mailing list", Owner: "sreilly", Type: "process",
				Tracker: "https://tracker.acme.example/browse/SRE-1175", Agreed: 2 * day, DueIn: -21, Status: "done", ClosedIn: -23},
		},
		Postmortem: review{
			Cause: "expiry",
			Tags:  []string{"certificates", "tls", "expiry", "login"},
			Sections: map[string]string{
				"Root causes": "The certificate of auth.acme.example was issued by hand two years ago, when login still terminated TLS on its own " +
					"ingress for mutual TLS with accounts. When login moved behind the load balancer, the certificate was uploaded as it was, outside " +
					"ACM, so it never renewed itself. Its expiry reminders went to platform-certs@acme.example, a mailing list of the former platform " +
					"team that nobody has read since identity became a team of its own. None of our monitoring checked the expiry of certificates " +
					"that ACM does not manage.",
				"Trigger": "The certificate's validity ended at 09:14 Paris time.",
				"Resolution": "Issuing a certificate through ACM and attaching it to the load balancer took 24 minutes once the cause was known; most " +
					"of that was validating the domain by DNS, which had never been done for it. The apps recovered on their own because they retry " +
					"sign-in with backoff.",
				"What went well": "The page reached the on-call engineer within minutes and the synthetic check's message pointed at TLS. Customers " +
					"already signed in were not affected, and guest checkout kept the shop selling. The status page was updated 17 minutes after " +
					"the incident was declared.",
				"What went wrong": "One certificate lived outside the automation every other certificate uses, and its reminders went to a list nobody " +
					"read. login's runbook had no section on certificates, so the first 20 minutes went to ruling out a deploy and the load balancer.",
				"Where we got lucky": "The certificate expired on a weekday morning with the identity team at their desks, not at night or on a weekend. " +
					"The accounts service's mutual-TLS certificate, issued the same way, expires in four months; we found it while fixing this one.",
			},
			Rewrite: map[string]string{
				"Detection": "The LoginAvailability page fired 5 minutes after the expiry, and the synthetic sign-in check reported a TLS handshake " +
					"failure, which pointed at the certificate quickly. An alert weeks before the expiry would have avoided the incident altogether.",
			},
		},
	},
	{
		Title:     "Search errors and stale results: product index blocked by full disks",
		Severity:  "SEV3",
		Services:  []string{"search", "storefront"},
		SLOs:      []string{"search-availability", "search-latency"},
		Commander: "fmartin",
		Summary: "Two of the search cluster's six data nodes filled their disks with index snapshots that were no longer pruned. The cluster " +
			"made the product index read-only and moved shards off the full nodes, which slowed queries and made some fail. Deleting the old " +
			"snapshots and lifting the read-only block restored search; the catalog import then caught up.",
		Impact: "For 1 h 50 min about 8% of searches on the web shop and the apps failed with an error, and most were slow (p95 1.8 s instead " +
			"of 250 ms). New products and price changes did not appear in search for three hours. Browsing by category, product pages and " +
			"checkout were not affected.",
		DaysAgo: 23, Clock: "15:40", Opened: 12 * minute, Acked: 15 * minute,
		Steps: []step{
			{After: 14 * minute, Scribe: "jpetersen", Communication: "ofarah",
				Note: "SearchAvailability burn alert; search p95 at 1.8 s; the catalog import fails with cluster_block_exception."},
			{After: 30 * minute, Status: "identified",
				Note: "Data nodes search-data-2 and search-data-5 passed the flood-stage disk watermark (95%): the product index is read-only and shards are relocating."},
			{After: 45 * minute,
				Note: "The disks are full of index snapshots: the snapshot pruning cron job has not run since the cluster moved to the new node pool three weeks ago."},
			{After: 65 * minute, Status: "monitoring",
				Note: "Deleted snapshots older than 7 days (1.9 TB) and lifted the read-only block; shards rebalancing, errors stopped."},
			{After: 110 * minute, Status: "resolved", Note: "Catalog import caught up; search p95 back to 240 ms."},
			{After: 5 * day, Status: "closed", Note: "Postmortem review held; closing."},
		},
		Actions: []action{
			{Title: "Page at 80% disk on search data nodes, before the high watermark", Owner: "ykobayashi", Type: "mitigate",
				Tracker: "https://tracker.acme.example/browse/DSC-455", Agreed: day, DueIn: -16, Status: "done", ClosedIn: -14},
			{Title: "Prune index snapshots with snapshot lifecycle management instead of a cron job", Owner: "sahmed", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/DSC-456", Agreed: day, DueIn: 5, Status: "done", ClosedIn: -10},
			{Title: "Runbook: recovering a read-only search index after a full disk", Owner: "fmartin", Type: "process",
				Tracker: "https://tracker.acme.example/browse/DSC-457", Agreed: day, DueIn: 21, Status: "open"},
			{Title: "Check scheduled jobs in the node pool migration checklist", Owner: "sre", Type: "process",
				Tracker: "https://tracker.acme.example/browse/SRE-1162", Agreed: day, DueIn: 35, Status: "open"},
		},
		Postmortem: review{
			Cause: "capacity",
			Tags:  []string{"search", "disk", "snapshots", "elasticsearch"},
			Sections: map[string]string{
				"Root causes": "Search takes a snapshot of the product index every hour. A cron job deleted snapshots older than 7 days, but it ran " +
					"on the old Kubernetes node pool and was not carried over when the cluster moved to the new pool three weeks earlier. Snapshots " +
					"piled up on the data nodes' local disks until two of them reached the flood-stage watermark, where the cluster protects itself: " +
					"it blocks writes to the index and moves shards away, and the other nodes served queries while taking on those shards.",
				"Trigger": "The hourly snapshot at 15:00 pushed the disks of search-data-2 and search-data-5 past 95%.",
				"Resolution": "Deleting old snapshots freed the disks at once; the read-only block had to be lifted by hand, since our version of " +
					"the cluster does not lift it by itself. Rebalancing the shards took another 40 minutes, during which search was slower than " +
					"usual but no longer failing.",
				"What went well": "Search degraded rather than going down: 92% of queries still got an answer. The catalog import retried and caught " +
					"up without losing an update. The on-call engineer knew the watermark behaviour from a game day in the spring.",
				"What went wrong": "A scheduled job was lost in a migration and nothing noticed that snapshots were no longer pruned. The disk alert " +
					"left no time to act. The search runbook did not say how to lift the read-only block.",
				"Where we got lucky": "It happened on a weekday afternoon, not in the evening peak, and two nodes filled up rather than all six, " +
					"which would have made the whole index read-only and search unavailable.",
			},
			Rewrite: map[string]string{
				"Detection": "Our disk alert was set at the flood-stage watermark itself, so it fired with the block, not before it. The " +
					"SearchAvailability burn alert fired 8 minutes into the incident; the catalog team noticed the failing import at about the same time.",
			},
		},
	},
	{
		// The payment outage of examples/acme/gen's access logs: two days
		// before now, 19:10 to 21:10 Paris time.
		Title:     "Card payments failing at checkout: payment provider timeouts",
		Severity:  "SEV2",
		Services:  []string{"checkout", "payments"},
		SLOs:      []string{"checkout-journey", "checkout-availability"},
		Commander: "nschmidt",
		Summary: "The authorisation API of our card payment provider slowed down and timed out for two hours in the evening peak. Our payments " +
			"service waited up to 60 seconds for each answer and retried, so 30 to 40% of card payments failed and the order confirmation page " +
			"slowed down. The provider recovered at 20:55; payments recovered without a change on our side.",
		Impact: "Between 19:10 and 21:10, 30 to 40% of card payments failed with \"payment could not be completed\" (HTTP 503 or 504), and those " +
			"that went through took several seconds; about 1,900 orders were not placed at the first attempt, roughly half of them on a retry. " +
			"Most order confirmation pages took over a second. Browsing, search and sign-in were not affected.",
		DaysAgo: 2, Clock: "19:10", Opened: 6 * minute, Acked: 8 * minute,
		Steps: []step{
			{After: 8 * minute, Scribe: "bwilliams", Communication: "lrossi",
				Note: "CheckoutJourneyBudgetBurn paging; POST /api/payments failing 30% with 503 (circuit breaker) and 504 (load balancer timeout)."},
			{After: 24 * minute, Status: "identified",
				Note: "The payment provider's status page reports a degraded authorisation API in the EU region; our calls to it time out after 60 s."},
			{After: 35 * minute,
				Note: "Switched off client retries to the provider with the payments.psp-retries flag: each failed payment was sent up to 3 times, adding load to a struggling provider."},
			{After: 55 * minute,
				Note: "Failover to the secondary provider considered and not done: it takes 60% of our card types and its 3-D Secure flow is untested at evening volume."},
			{After: 105 * minute, Status: "monitoring", Note: "The provider reports recovery; payment success rate back to 97%."},
			{After: 135 * minute, Status: "resolved", Note: "Payments normal for 30 minutes; retries switched back on."},
			{After: 22*hour + 50*minute, Status: "closed", Note: "Postmortem reviewed with the provider's account manager; closing."},
		},
		Actions: []action{
			{Title: "Time out provider calls after 8 s and fail fast while the circuit breaker is open", Owner: "rgupta", Type: "mitigate",
				Tracker: "https://tracker.acme.example/browse/CHK-1290", Agreed: 150 * minute, DueIn: 5, Status: "done", ClosedIn: -1},
			{Title: "Route card payments to the secondary provider when provider timeouts exceed 5%", Owner: "achen", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/CHK-1291", Agreed: 20 * hour, DueIn: 30, Status: "open"},
			{Title: "Alert on the payment provider's p99 latency, not only on failed payments", Owner: "evasquez", Type: "prevent",
				Tracker: "https://tracker.acme.example/browse/CHK-1292", Agreed: 20 * hour, DueIn: 10, Status: "in_progress"},
			{Title: "Agree an incident contact and a status feed with the payment provider", Owner: "nschmidt", Type: "process",
				Tracker: "https://tracker.acme.example/browse/CHK-1293", Agreed: 20 * hour, DueIn: 14, Status: "open"},
		},
		Postmortem: review{
			Cause: "dependency",
			Tags:  []string{"payments", "psp", "timeouts", "circuit-breaker"},
			Sections: map[string]string{
				"Root causes": "Checkout depends on a single card payment provider for every card payment. Our calls to its authorisation API waited " +
					"up to 60 seconds, longer than any customer waits, and each failed call was retried up to three times, adding load to a provider " +
					"that was already struggling. The circuit breaker opens only when 50% of calls fail, so at 30 to 40% it kept sending traffic. We " +
					"have a contract with a secondary provider, but moving traffic to it is manual and has never been rehearsed.",
				"Trigger": "The provider's authorisation API in the EU region slowed down at 19:10, in our evening peak; the provider has since told us " +
					"it was a database failover on their side.",
				"Resolution": "Switching off our retries reduced the failures a little. The impact stopped when the provider recovered at 20:55; " +
					"without a tested failover, nothing we could do would have restored payments sooner.",
				"What went well": "The page came quickly, and the incident had a commander, a scribe and a communications lead within 8 minutes. The " +
					"retries flag let us stop adding load without a deploy. The decision not to fail over was made deliberately, with its risks " +
					"written down in the timeline.",
				"What went wrong": "Timeouts and retries were tuned for a provider that answers in 600 ms, not for one that hangs. We had no signal " +
					"about the provider's own latency, and no rehearsed way to move traffic to the secondary provider. Customers saw a generic error " +
					"rather than a suggestion to pay another way.",
				"Where we got lucky": "PayPal and gift card payments go through other providers and kept working, so about a third of orders were " +
					"never affected. The provider recovered within two hours; a longer outage would have cost a whole evening's sales.",
			},
			Rewrite: map[string]string{
				"Detection": "The checkout journey's burn-rate alert paged 6 minutes after the first failures, and the dashboards showed the payment " +
					"step failing. The provider's status page confirmed the problem 18 minutes later; an alert on the provider's latency would have " +
					"told us the cause at once.",
			},
		},
	},
}
