package metricsx

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var okMetric = promauto.NewCounter(prometheus.CounterOpts{Name: "a_total", Help: "A."})

var noHelp = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "b"}, []string{"x"})

var blankHelp = promauto.NewHistogram(prometheus.HistogramOpts{Name: "c", Help: "  "})

var viaProm = prometheus.NewSummary(prometheus.SummaryOpts{Name: "d", Help: "D."})

var opts = prometheus.CounterOpts{Name: "e"}

var fromIdent = promauto.NewCounter(opts)

var fromPtr = prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "f", Help: ""}, func() float64 { return 1 })

var helpConst = promauto.NewCounter(prometheus.CounterOpts{Name: "g", Help: helpText})

const helpText = "G."

func setup(reg prometheus.Registerer) {
	f := promauto.With(reg)
	f.NewCounterVec(prometheus.CounterOpts{Name: "h"}, nil)
	promauto.With(reg).NewGauge(prometheus.GaugeOpts{Name: "i", Help: "I."})
	local := prometheus.GaugeOpts{Name: "j", Help: "J."}
	promauto.NewGauge(local)
	//sre-policy:ignore metric-help -- help is set later
	promauto.NewGauge(prometheus.GaugeOpts{Name: "k"})
	prometheus.NewDesc("x", "y", nil, nil) // not a metric constructor
}

func notAFactory(f interface{ NewCounter(prometheus.CounterOpts) prometheus.Counter }) {
	f.NewCounter(prometheus.CounterOpts{Name: "l"}) // factory not bound here: not followed
}
