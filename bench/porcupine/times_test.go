package porcupine

// Faultline's re-measurement of Porcupine (commit 55508eb): parse each file as
// porcupine_test.go does, then time only CheckEvents, best of 5 per file.

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func bestOf5(model Model, events []Event) (bool, time.Duration) {
	best := time.Duration(1 << 62)
	var res bool
	for i := 0; i < 5; i++ {
		start := time.Now()
		res = CheckEvents(model, events)
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return res, best
}

func TestTimesKv(t *testing.T) {
	fmt.Printf("GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
	var total time.Duration
	for _, name := range []string{"c01-bad", "c01-ok", "c10-bad", "c10-ok", "c50-bad", "c50-ok"} {
		events := parseKvLog(fmt.Sprintf("test_data/kv/%s.txt", name))
		res, d := bestOf5(kvModel, events)
		total += d
		fmt.Printf("kv %s\t%v\t%d events\t%.3f ms\n", name, res, len(events), float64(d.Microseconds())/1000)
	}
	fmt.Printf("kv total %.3f ms\n", float64(total.Microseconds())/1000)
}

func TestTimesEtcd(t *testing.T) {
	var total time.Duration
	valid := 0
	for i := 0; i < 103; i++ {
		events := parseJepsenLog(fmt.Sprintf("test_data/jepsen/etcd_%03d.log", i))
		res, d := bestOf5(etcdModel, events)
		total += d
		if res {
			valid++
		}
		fmt.Printf("etcd_%03d\t%v\t%.3f ms\n", i, res, float64(d.Microseconds())/1000)
	}
	fmt.Printf("etcd total %.3f ms, %d valid, %d invalid\n", float64(total.Microseconds())/1000, valid, 103-valid)
}
