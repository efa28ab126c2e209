package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// noticeHandler prints slog records as one plain line each on stderr:
// "hatch-backup: <message> (key=value, ...)". Records carry paths and
// counts, never config content.
type noticeHandler struct {
	mu    sync.Mutex
	w     io.Writer
	attrs []slog.Attr
}

func (h *noticeHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *noticeHandler) Handle(_ context.Context, r slog.Record) error {
	var parts []string
	for _, a := range h.attrs {
		parts = append(parts, a.String())
	}
	r.Attrs(func(a slog.Attr) bool { parts = append(parts, a.String()); return true })
	line := "hatch-backup: " + escapeControls(r.Message)
	if len(parts) > 0 {
		line += " (" + escapeControls(strings.Join(parts, ", ")) + ")"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := fmt.Fprintln(h.w, line)
	return err
}

func (h *noticeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &noticeHandler{w: h.w, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *noticeHandler) WithGroup(string) slog.Handler { return h }
