"""HTTP views: one blueprint per audience. Views stay thin; use cases live in kiosk/*.py."""
