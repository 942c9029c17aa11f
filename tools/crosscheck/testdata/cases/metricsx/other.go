package metricsx

import (
	prom "github.com/prometheus/client_golang/prometheus"
	metrics "github.com/rcrowley/go-metrics"
)

var elsewhere = prom.NewCounter(prom.CounterOpts{Name: "z", Help: "Z."})

var goMetrics = metrics.NewCounter()
