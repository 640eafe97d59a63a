"""Icons, the sample flow and other files shipped inside the wheel."""
