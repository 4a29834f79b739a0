# A canvas member is imported by the canvas's id and the user's email.
terraform import superplane_canvas_member.contractor 6f1c9a52-8d0e-4f63-9b1f-2a7c4e5d8b90/contractor@example.com
