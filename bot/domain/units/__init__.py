"""Police units: the commune directory, setting units and their officers up, and routing
a tip to the unit that covers its commune."""
