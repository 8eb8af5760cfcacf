"""The specification of tinbao, one folder per capability as in the product."""
