package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns a stored setting, or ErrNotFound.
func (tx *Tx) Setting(key string) (string, error) {
	var v string
	err := tx.queryRow(`SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores a setting, replacing any earlier value.
func (tx *Tx) SetSetting(key, value string) error {
	_, err := tx.exec(
		`INSERT INTO settings (key, value) VALUES (?, ?)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}
