package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Asset is one embedded file ready to serve: its bytes as they are and in
// each content coding browsers take, compressed once at start at the
// strongest settings (no request pays for it), with a strong ETag.
type Asset struct {
	Type string // Content-Type
	Raw  []byte
	// Encoded holds the file in each content coding ("br", "zstd",
	// "gzip") that makes it smaller; a coding that does not is left out.
	Encoded map[string][]byte
	// Hash is a hash of Raw; each representation's ETag is made from it.
	Hash string
}

// ETag is the strong ETag of the asset in coding ("" for the raw bytes):
// each representation has its own, as HTTP asks of strong validators.
func (a *Asset) ETag(coding string) string {
	if coding == "" {
		return `"` + a.Hash + `"`
	}
	return `"` + a.Hash + "-" + coding + `"`
}

// Codings are the content codings assets are compressed in, best first.
var Codings = []string{"br", "zstd", "gzip"}

// assets are every embedded file, prepared once.
var assets = sync.OnceValue(func() map[string]*Asset {
	m := map[string]*Asset{}
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		a := &Asset{Type: mime.TypeByExtension(path.Ext(name)), Raw: raw, Encoded: map[string][]byte{},
			Hash: hex.EncodeToString(sum[:12])}
		if a.Type == "" {
			a.Type = "application/octet-stream"
		}
		for coding, enc := range map[string]func([]byte) []byte{"br": encodeBrotli, "zstd": encodeZstd, "gzip": encodeGzip} {
			if b := enc(raw); len(b) < len(raw) {
				a.Encoded[coding] = b
			}
		}
		m[name] = a
		return nil
	})
	return m
})

// Prepare compresses every asset now, so the first request for one does
// not wait for it (the server calls it at start).
func Prepare() { assets() }

// Lookup is the asset at name (a path under the static root).
func Lookup(name string) (*Asset, bool) {
	a, ok := assets()[name]
	return a, ok
}

// The encoders' windows are sized to the file: a window larger than the
// input compresses it no better, and the encoders allocate in proportion
// to their window. With their defaults, compressing htmx once took 38 MB
// for brotli and 89 MB for zstd, most of the process's peak memory,
// reached at start. zstd is one level below its best: its best allocates
// 36 MB even with a small window, for 5 % less (browsers that take zstd
// take brotli too, which is preferred).

func encodeBrotli(b []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: windowLog(len(b), 10, 24)})
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func encodeZstd(b []byte) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(1<<windowLog(len(b), 10, 27)))
	if err != nil {
		return b
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// windowLog is the smallest power of two, within [lo, hi], that holds n.
func windowLog(n, lo, hi int) int {
	l := lo
	for l < hi && 1<<l < n {
		l++
	}
	return l
}

func encodeGzip(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
