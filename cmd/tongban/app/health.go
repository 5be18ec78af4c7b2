package app

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"
)

// health is what the probes read: whether the background work runs and whether the server is
// shutting down. Run and Drain set it.
type health struct {
	deliverer, timers, draining atomic.Bool
}

// Drain makes /readyz answer 503 from now on, so that a load balancer stops sending new
// requests here while the ones in flight finish; serve calls it on SIGTERM before it stops
// accepting.
func (a *App) Drain() { a.health.draining.Store(true) }

// healthz answers that the process is alive and serving HTTP: nothing else is checked, so a
// busy store never gets a live server restarted.
func healthz(w http.ResponseWriter, _ *http.Request) {
	writeProbe(w, nil)
}

// readyz answers whether this server should get traffic: the store answers with the schema
// this program expects, the outbox deliverer (when there are connectors) and the timers run,
// and the server is not draining. It costs one read of one row.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	var problems []string
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ready(ctx); err != nil {
		a.Logger.WarnContext(ctx, "readiness: store", "err", err)
		problems = append(problems, "数据库不可达，或其结构版本与本程序不符")
	}
	if a.Deliverer != nil && !a.health.deliverer.Load() {
		problems = append(problems, "消息投递未运行")
	}
	if !a.health.timers.Load() {
		problems = append(problems, "定时任务未运行")
	}
	if a.health.draining.Load() {
		problems = append(problems, "服务正在停止")
	}
	writeProbe(w, problems)
}

func writeProbe(w http.ResponseWriter, problems []string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	body := map[string]any{"status": "ok"}
	if len(problems) > 0 {
		body = map[string]any{"status": "unavailable", "problems": problems}
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(body)
}
