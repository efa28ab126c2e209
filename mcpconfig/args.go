package mcpconfig

// MaskArgs returns a command line with the arguments that look like
// secrets masked, as Mask masks a server's args: the value of --token=X,
// --api-key X, -e NAME=X, API_KEY=X, and anything shaped like a key.
// guard records the command line as given and shows it only through this.
func MaskArgs(args []string) []string {
	found := secretSet{}
	list := make([]any, len(args))
	for i, a := range args {
		list[i] = a
	}
	found.collectArgs(list)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = maskShapes(a, found)
	}
	r := replacer(found.sorted())
	for i := range out {
		out[i] = r.Replace(out[i])
	}
	return out
}
