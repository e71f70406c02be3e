"""Support leads' review: conversations indexed from the tracker, filters, transcripts,
annotations and the exports that feed reviewed examples back into training."""
