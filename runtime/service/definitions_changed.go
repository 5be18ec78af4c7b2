package service

import "context"

// DefinitionsChanged is told that versions were published outside Import (the designer's
// change of the shared definitions): the newest versions are read again at once rather than
// when their cache runs out, and the org tree in force follows.
func (s *Service) DefinitionsChanged(ctx context.Context) error {
	s.newest.forget()
	return s.LoadOrgs(ctx)
}
