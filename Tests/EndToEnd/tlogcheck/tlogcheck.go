// tlogcheck reads a running Entente node's transparency log with Go's own implementation of the formats
// (golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, Debian's golang-golang-x-mod-dev), as an
// independent second implementation:
//
//   - the checkpoint's note verifies under the verifier key Go derives from the signing key in the node's
//     descriptor (so the key ID and signature are Go's, not Entente's);
//   - the tree hash Go computes from the node's tiles is the checkpoint's root;
//   - every entry bundle hashes, with Go's record hash, to the level-0 tile, and the tree hash Go computes
//     from those records alone is the root too;
//   - for every entry, the inclusion proof Go computes from the tiles checks against the root.
//
// Usage: tlogcheck NODE_URL. It prints one JSON line with what it checked and exits 1 at the first disagreement.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string

func fetch(path string) []byte {
	response, err := http.Get(base + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode != 200 {
		fail("GET %s: status %d, %v", path, response.StatusCode, err)
	}
	return body
}

func fail(format string, arguments ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", arguments...)
	os.Exit(1)
}

// tiles reads the node's tiles at their C2SP paths: Go's sumdb paths carry the tile height, which C2SP dropped.
type tiles struct{}

func (tiles) Height() int { return 8 }

func (tiles) ReadTiles(wanted []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(wanted))
	for i, tile := range wanted {
		data[i] = fetch("/tlog/tile/" + strings.TrimPrefix(tile.Path(), "tile/8/"))
	}
	return data, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	if len(os.Args) != 2 {
		fail("usage: tlogcheck NODE_URL")
	}
	base = strings.TrimSuffix(os.Args[1], "/")

	var descriptor struct {
		ID   string `json:"id"`
		Keys struct {
			Signing string `json:"signing"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(fetch("/.well-known/entente"), &descriptor); err != nil {
		fail("descriptor: %v", err)
	}
	key, err := base64.RawURLEncoding.DecodeString(descriptor.Keys.Signing)
	if err != nil {
		fail("descriptor signing key: %v", err)
	}
	origin := "entente/" + descriptor.ID
	vkey, err := note.NewEd25519VerifierKey(origin, key)
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier: %v", err)
	}
	checkpoint, err := note.Open(fetch("/tlog/checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("the checkpoint does not verify under %s: %v", vkey, err)
	}
	lines := strings.Split(checkpoint.Text, "\n")
	if len(lines) < 4 || lines[0] != origin {
		fail("not a checkpoint of %s: %q", origin, checkpoint.Text)
	}
	var size int64
	fmt.Sscanf(lines[1], "%d", &size)
	root, err := tlog.ParseHash(lines[2])
	if err != nil || size == 0 {
		fail("checkpoint size %q, root %q: %v", lines[1], lines[2], err)
	}
	tree := tlog.Tree{N: size, Hash: root}

	reader := tlog.TileHashReader(tree, tiles{})
	fromTiles, err := tlog.TreeHash(size, reader)
	if err != nil || fromTiles != root {
		fail("Go's tree hash from the tiles is %v (%v), the checkpoint says %v", fromTiles, err, root)
	}

	// The records, from the entry bundles, each hashed by Go and checked against the level-0 tile, then
	// the tree rebuilt from them alone.
	var stored []tlog.Hash
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		bundle := fetch("/tlog/tile/entries/" + strings.TrimPrefix(tile.Path(), "tile/8/0/"))
		level0 := fetch("/tlog/tile/" + strings.TrimPrefix(tile.Path(), "tile/8/"))
		for i := int64(0); i < width; i++ {
			if len(bundle) < 2 {
				fail("bundle %d ends early", tile.N)
			}
			length := int(bundle[0])<<8 | int(bundle[1])
			record := bundle[2 : 2+length]
			bundle = bundle[2+length:]
			hash := tlog.RecordHash(record)
			if string(hash[:]) != string(level0[32*i:32*i+32]) {
				fail("record %d hashes to %v, its tile says otherwise", start+i, hash)
			}
			hashes, err := tlog.StoredHashes(start+i, record, hashReader(stored))
			if err != nil {
				fail("stored hashes: %v", err)
			}
			stored = append(stored, hashes...)
		}
	}
	fromRecords, err := tlog.TreeHash(size, hashReader(stored))
	if err != nil || fromRecords != root {
		fail("Go's tree hash from the records is %v (%v), the checkpoint says %v", fromRecords, err, root)
	}

	for index := int64(0); index < size; index++ {
		proof, err := tlog.ProveRecord(size, index, reader)
		if err != nil {
			fail("proof of %d: %v", index, err)
		}
		leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			fail("leaf %d: %v", index, err)
		}
		if err := tlog.CheckRecord(proof, size, root, index, leaf[0]); err != nil {
			fail("record %d: %v", index, err)
		}
	}
	out, _ := json.Marshal(map[string]interface{}{"origin": origin, "verifierKey": vkey, "size": size, "root": root.String(), "recordsChecked": size})
	fmt.Println(string(out))
}

type hashReader []tlog.Hash

func (h hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		if index >= int64(len(h)) {
			return nil, fmt.Errorf("hash %d not stored", index)
		}
		out[i] = h[index]
	}
	return out, nil
}
