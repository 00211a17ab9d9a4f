"""Bytes as text: encodings (gbk, utf-8), showing bytes to a reader, HTTP messages."""
