package blob

import "crypto/sha256"

// Sum is the SHA-256 of the original (uncompressed) bytes.
func Sum(data []byte) [32]byte { return sha256.Sum256(data) }
