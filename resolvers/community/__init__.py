"""The community's resolvers: loaders, reads (queries), writes (mutations) and feeds."""
