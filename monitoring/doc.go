// Package monitoring holds no code: it is the home of Slipway's Prometheus
// alert rules (alerts.yml, unit-tested by promtool through alerts_test.yml
// and `make monitoring-test`) and Grafana dashboard (grafana/). Its Go test
// checks that the rules and the dashboard only query metrics the code
// exports and that every alert has promtool tests.
package monitoring
