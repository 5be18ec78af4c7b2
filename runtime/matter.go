package runtime

import "time"

// Matter version states.
const (
	MatterDraft     = "draft"
	MatterPublished = "published"
)

// MatterVersion is one numbered version of a matter's definition folder, kept as its files.
// Published versions never change (the database refuses it), so a case pinned to one always
// runs on exactly the definition it started with.
type MatterVersion struct {
	Slug    string
	Version int
	// ContentHash is the SHA-256 over the files, the same as definitions.MatterDef.Hash gives
	// for canonical files: for each path in order, path, NUL, content, NUL.
	ContentHash string
	Status      string
	Files       map[string][]byte
	CreatedAt   time.Time
	PublishedAt *time.Time
}

// VersionRef names a matter version without its files.
type VersionRef struct {
	Slug      string
	Version   int
	CreatedAt time.Time
}
