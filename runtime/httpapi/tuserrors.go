package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuchang-gov/tongban/runtime"
)

// tusErrors are the protocol errors tusd answers itself, in plain text, by its error code: here
// with the API's code and a Chinese message, so that every answer of the uploads has the one
// error shape.
var tusErrors = map[string]struct{ code, message string }{
	"ERR_UNSUPPORTED_VERSION":         {runtime.EINVALID, "缺少或不支持的 Tus-Resumable 请求头（须为 1.0.0）"},
	"ERR_INVALID_CONTENT_TYPE":        {runtime.EUNSUPPORTED, "续传的一段须以 Content-Type: application/offset+octet-stream 发送"},
	"ERR_INVALID_UPLOAD_LENGTH":       {runtime.EINVALID, "缺少或无效的 Upload-Length 请求头"},
	"ERR_INVALID_UPLOAD_LENGTH_DEFER": {runtime.EINVALID, "不支持延后告知文件大小（Upload-Defer-Length）"},
	"ERR_AMBIGUOUS_UPLOAD_LENGTH":     {runtime.EINVALID, "Upload-Length 和 Upload-Defer-Length 只能给一个"},
	"ERR_INVALID_OFFSET":              {runtime.EINVALID, "缺少或无效的 Upload-Offset 请求头"},
	"ERR_UPLOAD_NOT_FOUND":            {runtime.ENOTFOUND, "上传不存在或已结束"},
	"ERR_UPLOAD_LOCKED":               {runtime.ECONFLICT, "这次上传正被另一个请求续传，请稍后重试"},
	"ERR_LOCK_TIMEOUT":                {runtime.ECONFLICT, "这次上传正被另一个请求续传，请稍后重试"},
	"ERR_MISMATCHED_OFFSET":           {runtime.ECONFLICT, "Upload-Offset 与服务器已收到的字节数不符，请先用 HEAD 查询从哪里续传"},
	"ERR_MAX_SIZE_EXCEEDED":           {runtime.ETOOLARGE, "文件超过上限"},
	"ERR_UPLOAD_SIZE_EXCEEDED":        {runtime.ETOOLARGE, "收到的内容超过了创建时声明的文件大小"},
	"ERR_INVALID_CONCAT":              {runtime.EINVALID, "不支持合并上传（Upload-Concat）"},
	"ERR_CONCATENATION_UNSUPPORTED":   {runtime.EINVALID, "不支持合并上传（Upload-Concat）"},
	"ERR_UNEXPECTED_EOF":              {runtime.EINVALID, "这一段没有传完整，请用 HEAD 查询后续传"},
	"ERR_UPLOAD_INTERRUPTED":          {runtime.ECONFLICT, "这次上传被同一上传的另一个请求打断"},
	"ERR_SERVER_SHUTDOWN":             {runtime.EUNAVAILABLE, "服务器正在停止，请稍后续传"},
}

// tusAnswer passes tusd's answers on, but writes those of its own plain-text errors in the
// API's error shape, with tusd's status.
type tusAnswer struct {
	http.ResponseWriter
	// status is the status of a plain-text error held back until its body says which.
	status int
	done   bool
}

func (w *tusAnswer) WriteHeader(status int) {
	if status >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.status = status
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *tusAnswer) Write(p []byte) (int, error) {
	if w.status == 0 {
		return w.ResponseWriter.Write(p)
	}
	w.writeError(string(p))
	return len(p), nil
}

// finish writes a held-back error that had no body (tusd sends none to HEAD).
func (w *tusAnswer) finish() {
	if w.status != 0 && !w.done {
		w.writeError("")
	}
}

// writeError writes the error whose tusd body ("ERR_CODE: message") is text.
func (w *tusAnswer) writeError(text string) {
	if w.done {
		return
	}
	w.done = true
	errCode, _, _ := strings.Cut(strings.TrimSpace(text), ": ")
	e, known := tusErrors[errCode]
	if !known {
		e.code, e.message = runtime.EINVALID, "断点续传请求有误："+strings.TrimSpace(text)
		if w.status >= 500 {
			e.code, e.message = runtime.EINTERNAL, "断点续传暂时出错，请稍后续传"
		}
	}
	raw, _ := json.Marshal(errorBody{Error: errorPayload{Code: e.code, Message: e.message}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(raw)))
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.Write(raw)
}

// Unwrap lets http.ResponseController reach the connection (tusd sets read deadlines).
func (w *tusAnswer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
