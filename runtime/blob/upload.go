package blob

import (
	"bytes"
	"net/http"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fileTypes maps the file types a material may allow (materials.json fileTypes) to the media
// types their content really has.
var fileTypes = map[string][]string{
	"pdf":  {"application/pdf"},
	"jpg":  {"image/jpeg"},
	"jpeg": {"image/jpeg"},
	"png":  {"image/png"},
	"gif":  {"image/gif"},
	"bmp":  {"image/bmp"},
	"webp": {"image/webp"},
	"tif":  {"image/tiff"},
	"tiff": {"image/tiff"},
	"ofd":  {"application/zip"},
	"zip":  {"application/zip"},
	"docx": {"application/zip"},
	"xlsx": {"application/zip"},
	"doc":  {"application/x-ole-storage"},
	"xls":  {"application/x-ole-storage"},
	"txt":  {"text/plain; charset=utf-8"},
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

var tiffMagics = [][]byte{[]byte("II*\x00"), []byte("MM\x00*")}

// SniffType returns the media type of content from its first bytes (at least 512 of them
// when there are), looking at the content, never at the name.
func SniffType(head []byte) string {
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return "application/x-ole-storage"
	case bytes.HasPrefix(head, tiffMagics[0]) || bytes.HasPrefix(head, tiffMagics[1]):
		return "image/tiff"
	}
	return http.DetectContentType(head)
}

// typeNames say what sniffed content is, as a person reads it.
var typeNames = map[string]string{
	"application/pdf": "PDF 文件", "image/jpeg": "JPG 图片", "image/png": "PNG 图片", "image/gif": "GIF 图片",
	"image/bmp": "BMP 图片", "image/webp": "WebP 图片", "image/tiff": "TIFF 图片",
	"application/zip": "压缩包或 Office 文档", "application/x-ole-storage": "旧版 Word/Excel 文档",
	"text/plain; charset=utf-8": "文本文件", "text/html; charset=utf-8": "网页文件",
}

// Describe says in Chinese what content sniffed as mediaType is, for a refusal to name it.
func Describe(mediaType string) string {
	if n, ok := typeNames[mediaType]; ok {
		return n
	}
	return "程序或其他格式的文件（" + mediaType + "）"
}

// TypeAllowed reports whether content sniffed as mediaType may be stored as one of the allowed
// file types, and which one it is.
func TypeAllowed(mediaType string, allowed []string) (string, bool) {
	for _, ext := range allowed {
		for _, mt := range fileTypes[strings.ToLower(ext)] {
			if mt == mediaType {
				return strings.ToLower(ext), true
			}
		}
	}
	return "", false
}

// windowsDevice is a name Windows keeps for a device whatever its extension (CON.pdf is the
// console): such a file cannot be saved under its name.
var windowsDevice = regexp.MustCompile(`(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)`)

// SafeName neutralises an uploaded file name: only the last path element, no control or
// bidirectional characters, no invisible ones (zero-width spaces and joiners, byte-order
// marks), none of the characters Windows forbids, no leading dots, no trailing dots or
// spaces, no Windows device name (CON.pdf becomes _CON.pdf), at most 100 characters; an
// empty result becomes "file".
func SafeName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if name = path.Base(name); name == "/" || name == "." {
		return "file"
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Bidi_Control, r):
			// Invisible format characters would make two names that look the same differ.
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r),
			strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	safe := strings.TrimLeft(strings.TrimRight(strings.TrimSpace(b.String()), ". "), ".")
	if windowsDevice.MatchString(safe) {
		safe = "_" + safe
	}
	if utf8.RuneCountInString(safe) > 100 {
		ext := path.Ext(safe)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		safe = string([]rune(safe)[:100-utf8.RuneCountInString(ext)]) + ext
	}
	if safe == "" {
		return "file"
	}
	return safe
}
