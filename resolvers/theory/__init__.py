"""Theory practice: loaders (``loaders``), and thin resolvers for the bank (``bank``),
practice and tests (``tests``), and progress with its live feed (``progress``)."""
