package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

// uploadsPath is where resumable uploads are served (the tus protocol, version 1.0.0).
const uploadsPath = "/api/v1/uploads/"

// The Upload-Metadata keys a client sends when it creates an upload. All four are required.
const (
	metaCase     = "case"     // the case number
	metaMaterial = "material" // the material id
	metaFilename = "filename" // the file's name on the client
	metaSHA256   = "sha256"   // the SHA-256 of the whole file, in hex, computed before sending
	// metaUser is set by the server: the id of the user who created the upload, the only one
	// who may resume, inspect or cancel it.
	metaUser = "user"
)

// uploadID is the form of the ids the file store gives uploads; anything else in a path is
// refused before it can name a file.
var uploadID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// resumableUploads is the handler serverHandler mounts at /api/v1/uploads/: resumable uploads of
// materials, staged in the service's upload folder (<data>/uploads). When the folder cannot be
// prepared every request is answered 503 and the reason logged, so the rest of the server runs.
func resumableUploads(svc *service.Service, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	dir, err := svc.UploadStagingDir()
	var h http.Handler
	if err == nil {
		h, err = newResumableHandler(svc, dir, logger)
	}
	if err != nil {
		logger.Error("resumable uploads unavailable", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeUploadError(w, runtime.Errorf(runtime.EUNAVAILABLE, "断点续传暂不可用，请稍后重试或改用普通上传"))
		})
	}
	return h
}

// newResumableHandler serves the tus protocol for materials with tusd, staging uploads in dir.
//
//   - POST /api/v1/uploads/ with Upload-Length and Upload-Metadata (case, material, filename,
//     sha256) creates an upload, after the service has checked, before any byte, that the user
//     may upload to that material of that case and that the size is within its limit.
//   - HEAD /api/v1/uploads/{id} gives the Upload-Offset to resume from; PATCH appends from
//     there; DELETE cancels.
//   - The PATCH that completes the file answers only once the file is on the case: checked
//     (content type, size, SHA-256 against the declared one) and stored, or refused. Either
//     way the staged copy is deleted.
//
// Every request carries the user's bearer token; an upload is visible to its creator only.
func newResumableHandler(svc *service.Service, dir string, logger *slog.Logger) (http.Handler, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	store := filestore.New(dir)
	composer := tusd.NewStoreComposer()
	// Neither concatenation nor deferred lengths: an upload is one file whose size is known,
	// and checked, before it starts.
	composer.UseCore(store)
	composer.UseTerminater(store)
	// Locks in memory, as one process serves a data folder. A request that resumes an upload
	// asks the request still holding it (a connection not yet known to be dead) to let go.
	memorylocker.New().UseIn(composer)
	ru := &resumable{svc: svc, store: store, dir: dir, logger: logger}
	// Before any request, a complete upload still here is one whose attaching the server did
	// not finish (it stopped): remove it, so that its client, asking to resume, learns to start
	// again instead of being told by tusd that the file is done.
	ru.sweep(context.Background(), true)
	h, err := tusd.NewHandler(tusd.Config{
		StoreComposer:             composer,
		BasePath:                  uploadsPath,
		RespectForwardedHeaders:   true, // the Location of a new upload as the client sees the server
		DisableDownload:           true, // files are read through the case, once attached
		DisableConcatenation:      true,
		Cors:                      &tusd.CorsConfig{Disable: true}, // same origin, like the API
		Logger:                    expslog.New(tusdLog{logger: logger}),
		PreUploadCreateCallback:   ru.create,
		PreFinishResponseCallback: ru.finish,
	})
	if err != nil {
		return nil, err
	}
	return http.StripPrefix(uploadsPath, ru.authenticate(h)), nil
}

// resumable joins tusd to the service.
type resumable struct {
	svc    *service.Service
	store  filestore.FileStore
	dir    string
	logger *slog.Logger
}

// staleAfter is how long an unfinished upload is kept after the last byte of it arrived.
const staleAfter = 72 * time.Hour

// sweep deletes the uploads left unfinished for staleAfter and, with complete, those complete
// but not attached. It runs whenever an upload is created, so abandoned files do not fill the
// disk; a folder of a few hundred uploads takes no time to list.
func (ru *resumable) sweep(ctx context.Context, complete bool) {
	entries, err := os.ReadDir(ru.dir)
	if err != nil {
		ru.logger.Error("resumable uploads: listing the upload folder", "err", err)
		return
	}
	for _, e := range entries {
		fi, err := e.Info()
		if !uploadID.MatchString(e.Name()) || err != nil {
			continue // the .info beside each file, or a file that just went
		}
		up, err := ru.store.GetUpload(ctx, e.Name())
		if err != nil {
			continue
		}
		info, err := up.GetInfo(ctx)
		if err != nil || !(time.Since(fi.ModTime()) > staleAfter || complete && info.Offset == info.Size) {
			continue
		}
		if err := ru.store.AsTerminatableUpload(up).Terminate(ctx); err != nil {
			ru.logger.Error("resumable uploads: deleting an abandoned upload", "id", e.Name(), "err", err)
		}
	}
}

type userKey struct{}

// authenticate resolves the bearer token of every request but the protocol discovery
// (OPTIONS) and, for a request about one upload, lets through only its creator: anyone else
// is told it does not exist.
func (ru *resumable) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := bearerToken(r)
		if !ok {
			writeUploadError(w, runtime.Errorf(runtime.EUNAUTHORIZED, "请先登录（缺少访问令牌）"))
			return
		}
		u, err := ru.svc.Authenticate(r.Context(), token)
		if err != nil {
			ru.fail(w, r, err)
			return
		}
		if id := r.URL.Path; id != "" {
			if err := ru.owns(r.Context(), u, id); err != nil {
				ru.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// owns checks that the upload id exists and was created by u.
func (ru *resumable) owns(ctx context.Context, u *runtime.User, id string) error {
	gone := runtime.Errorf(runtime.ENOTFOUND, "上传 %s 不存在或已结束", id)
	if !uploadID.MatchString(id) {
		return gone
	}
	up, err := ru.store.GetUpload(ctx, id)
	if errors.Is(err, tusd.ErrNotFound) {
		return gone
	}
	if err != nil {
		return err
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		return err
	}
	if info.MetaData[metaUser] != strconv.FormatInt(u.ID, 10) {
		return gone
	}
	return nil
}

// create decides, before any byte is stored, whether an upload may begin, and keeps only the
// metadata the server knows (plus its creator).
func (ru *resumable) create(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	u, _ := hook.Context.Value(userKey{}).(*runtime.User)
	if u == nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(runtime.Errorf(runtime.EUNAUTHORIZED, "请先登录（缺少访问令牌）"))
	}
	info := hook.Upload
	if info.SizeIsDeferred {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(runtime.Invalid("创建上传时须给出文件大小（Upload-Length）",
			runtime.FieldError{Pointer: "/size", Message: "缺少文件大小"}))
	}
	meta := tusd.MetaData{}
	var missing []runtime.FieldError
	for _, k := range []string{metaCase, metaMaterial, metaFilename, metaSHA256} {
		if info.MetaData[k] == "" {
			missing = append(missing, runtime.FieldError{Pointer: "/metadata/" + k, Message: "缺少 " + k})
		}
		meta[k] = info.MetaData[k]
	}
	if len(missing) > 0 {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, tusError(runtime.Invalid(
			"Upload-Metadata 须包含办件编号 case、材料 material、文件名 filename 和整个文件的 SHA-256 sha256", missing...))
	}
	err := ru.svc.CheckUpload(hook.Context, u, meta[metaCase], meta[metaMaterial], info.Size, meta[metaSHA256])
	if err != nil {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, ru.hookError(hook, err)
	}
	meta[metaUser] = strconv.FormatInt(u.ID, 10)
	ru.sweep(hook.Context, false)
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: meta}, nil
}

// finish attaches a complete upload to its case and deletes the staged copy, whatever the
// outcome: a refused file cannot become acceptable by being sent again as it is.
func (ru *resumable) finish(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	// The file is whole on disk; the client leaving now must not undo the attaching.
	ctx := context.WithoutCancel(hook.Context)
	u, _ := ctx.Value(userKey{}).(*runtime.User)
	info := hook.Upload
	up, err := ru.store.GetUpload(ctx, info.ID)
	if err != nil {
		return tusd.HTTPResponse{}, ru.hookError(hook, err)
	}
	defer func() {
		if err := ru.store.AsTerminatableUpload(up).Terminate(ctx); err != nil {
			ru.logger.Error("resumable upload: deleting the staged file", "id", info.ID, "err", err)
		}
	}()
	if u == nil || info.MetaData[metaUser] != strconv.FormatInt(u.ID, 10) {
		return tusd.HTTPResponse{}, tusError(runtime.Errorf(runtime.ENOTFOUND, "上传 %s 不存在或已结束", info.ID))
	}
	r, err := up.GetReader(ctx)
	if err != nil {
		return tusd.HTTPResponse{}, ru.hookError(hook, err)
	}
	defer r.Close()
	// Recorded on the case with its audit event; the client reads it there.
	_, err = ru.svc.AttachUploadedFile(ctx, u, info.MetaData[metaCase], info.MetaData[metaMaterial],
		info.MetaData[metaFilename], r, info.MetaData[metaSHA256])
	if err != nil {
		return tusd.HTTPResponse{}, ru.hookError(hook, err)
	}
	return tusd.HTTPResponse{}, nil
}

func (ru *resumable) hookError(hook tusd.HookEvent, err error) error {
	ru.logInternal(hook.HTTPRequest.Method, hook.HTTPRequest.URI, err)
	return tusError(err)
}

func (ru *resumable) fail(w http.ResponseWriter, r *http.Request, err error) {
	ru.logInternal(r.Method, r.URL.Path, err)
	writeUploadError(w, err)
}

func (ru *resumable) logInternal(method, path string, err error) {
	if runtime.ErrorCode(err) == runtime.EINTERNAL {
		ru.logger.Error("internal error", "method", method, "path", uploadsPath+path, "err", err)
	}
}

// tusError is err as tusd answers it: the API's error body and status.
func tusError(err error) error {
	status, body := uploadErrorAnswer(err)
	header := tusd.HTTPHeader{"Content-Type": "application/json; charset=utf-8"}
	if status == http.StatusUnauthorized {
		header["WWW-Authenticate"] = `Bearer realm="tongban"`
	}
	return tusd.Error{ErrorCode: runtime.ErrorCode(err), Message: runtime.ErrorMessage(err),
		HTTPResponse: tusd.HTTPResponse{StatusCode: status, Body: string(body), Header: header}}
}

// writeUploadError answers err outside tusd, in the same form.
func writeUploadError(w http.ResponseWriter, err error) {
	status, body := uploadErrorAnswer(err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Tus-Resumable", "1.0.0")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tongban"`)
	}
	w.WriteHeader(status)
	w.Write(body)
}

// uploadErrorAnswer is the status and JSON body of an error, as the API gives them:
// {"error":{"code","message","fields"}}, internal details never shown.
func uploadErrorAnswer(err error) (int, []byte) {
	type payload struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Fields  []runtime.FieldError `json:"fields,omitempty"`
	}
	code := runtime.ErrorCode(err)
	p := payload{Code: code, Message: runtime.ErrorMessage(err)}
	var e *runtime.Error
	if errors.As(err, &e) {
		p.Fields = e.Fields
	}
	body, _ := json.Marshal(map[string]payload{"error": p})
	return runtime.HTTPStatus(code), append(body, '\n')
}

func bearerToken(r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	return token, ok && token != ""
}

// tusdLog passes tusd's warnings and errors to the server's log (tusd logs with
// golang.org/x/exp/slog, and logs every request at info level, which is too much).
type tusdLog struct {
	logger *slog.Logger
	attrs  []any
}

func (l tusdLog) Enabled(_ context.Context, level expslog.Level) bool {
	return level >= expslog.LevelWarn
}

func (l tusdLog) Handle(ctx context.Context, r expslog.Record) error {
	if r.Message == "BodyReadError" {
		// A client that goes away mid-file is what resumable uploads are for.
		return nil
	}
	args := append([]any{}, l.attrs...)
	r.Attrs(func(a expslog.Attr) bool {
		args = append(args, a.Key, a.Value.Any())
		return true
	})
	l.logger.Log(ctx, slog.Level(r.Level), "tusd: "+r.Message, args...)
	return nil
}

func (l tusdLog) WithAttrs(attrs []expslog.Attr) expslog.Handler {
	next := tusdLog{logger: l.logger, attrs: append([]any{}, l.attrs...)}
	for _, a := range attrs {
		next.attrs = append(next.attrs, a.Key, a.Value.Any())
	}
	return next
}

func (l tusdLog) WithGroup(name string) expslog.Handler {
	return tusdLog{logger: l.logger.WithGroup(name), attrs: l.attrs}
}
