"""The pieces pages render: cards, forms, tables and their callbacks; pages only arrange them."""
