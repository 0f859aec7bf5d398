"""The editor page: a browser front end over the public API, no server-side state of its own."""
