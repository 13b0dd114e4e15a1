// Placeholder so the library has a source before its first class lands.
