"""The belief register and the update rule: pure code an auditor can read in one sitting."""
