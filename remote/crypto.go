package remote

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// keyFormat is the version of the key file this release writes and reads.
const keyFormat = 1

// keyFile is the plaintext of the config object.
type keyFile struct {
	Format int    `json:"format"`
	Master []byte `json:"master"`
}

// keys are the per-run keys derived from the master key.
type keys struct {
	data, catalogue []byte
}

// newMaster returns a fresh random master key.
func newMaster() ([]byte, error) {
	m := make([]byte, 32)
	_, err := rand.Read(m)
	return m, err
}

// sealKeyFile encrypts master to the passphrase with age's scrypt
// recipient (age picks the work factor).
func sealKeyFile(master, passphrase []byte, workFactor int) ([]byte, error) {
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	plain, err := json.Marshal(keyFile{Format: keyFormat, Master: master})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// openKeyFile decrypts the config object. A passphrase that does not open
// it is ErrPassphrase; anything else that fails is ErrIntegrity.
func openKeyFile(sealed, passphrase []byte) ([]byte, error) {
	id, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, ErrPassphrase
		}
		return nil, fmt.Errorf("%w: key file: %v", ErrIntegrity, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: key file: %v", ErrIntegrity, err)
	}
	var kf keyFile
	if err := json.Unmarshal(plain, &kf); err != nil {
		return nil, fmt.Errorf("%w: key file: %v", ErrIntegrity, err)
	}
	if kf.Format > keyFormat {
		return nil, fmt.Errorf("%w: key file format %d (this release reads %d)", ErrNewer, kf.Format, keyFormat)
	}
	if len(kf.Master) != 32 {
		return nil, fmt.Errorf("%w: key file: master key of %d bytes", ErrIntegrity, len(kf.Master))
	}
	return kf.Master, nil
}

// deriveKeys derives one key per object kind, so that a data object can
// never be opened as a segment or the other way round.
func deriveKeys(master []byte) (keys, error) {
	var k keys
	for _, d := range []struct {
		info string
		out  *[]byte
	}{{"hatch-backup data v1", &k.data}, {"hatch-backup catalogue v1", &k.catalogue}} {
		*d.out = make([]byte, chacha20poly1305.KeySize)
		if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(d.info)), *d.out); err != nil {
			return keys{}, err
		}
	}
	return k, nil
}

// seal encrypts plain under key, bound to name: nonce || ciphertext.
func seal(key []byte, name string, plain []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out, plain, []byte(name)), nil
}

// open decrypts an object sealed under key for name; anything else
// (another object's bytes, a truncation, a flipped bit) is ErrIntegrity.
func open(key []byte, name string, sealed []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: object %s is truncated (%d bytes)", ErrIntegrity, name, len(sealed))
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("%w: object %s does not authenticate (tampered, truncated or moved)", ErrIntegrity, name)
	}
	return plain, nil
}

// randomName is 128 random bits in hex.
func randomName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}
