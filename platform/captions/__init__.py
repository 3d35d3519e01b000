"""Live captions and the transcripts they leave.

A person (a CART provider or a volunteer) captions a space when a moderator makes them its
captioner; automatic captions (a speech engine, issue 19 item 2) use the same pipeline with
``source="automatic"``, and a space with a person captioning uses the person's captions.
Final lines are kept per session and space: the transcripts organizers download and, when
the organizer allows it, participants read for the rooms they were in.
"""
