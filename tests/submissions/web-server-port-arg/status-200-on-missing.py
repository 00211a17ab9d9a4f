import socket
import sys
import threading


# 处理客户端的请求
def handle_client_request(new_socket):
    # 接收客户端的请求信息
    recv_data = new_socket.recv(4096)
    # 判断接收的数据长度是否为0
    if len(recv_data) == 0:
        new_socket.close()
        return
    # 对二进制数据进行解码
    recv_content = recv_data.decode("utf-8")
    # 对数据按照空格进行分割
    request_list = recv_content.split(" ", maxsplit=2)
    # 获取请求的资源路径
    request_path = request_list[1]
    # 判断请求的是否是根目录，如果是根目录设置返回的信息
    if request_path == "/":
        request_path = "/index.html"
    try:
        # 打开文件读取文件中的数据, 提示：这里使用rb模式，兼容打开图片文件
        with open("static" + request_path, "rb") as file:
            file_data = file.read()
    except Exception:
        # 代码执行到此，说明没有请求的该文件，返回404状态信息
        response_line = "HTTP/1.1 200 OK\r\n"
        with open("static/error.html", "rb") as file:
            file_data = file.read()
    else:
        response_line = "HTTP/1.1 200 OK\r\n"
    response_header = "Server: PWS/1.0\r\n"
    response = (response_line + response_header + "\r\n").encode("utf-8") + file_data
    new_socket.send(response)
    # 关闭服务于客户端的套接字
    new_socket.close()


def main():
    # 判断命令行参数是否等于2
    if len(sys.argv) != 2:
        print("执行命令如下: python3 web.py 8000")
        return
    # 判断字符串是否都是数字组成
    if not sys.argv[1].isdigit():
        print("执行命令如下: python3 web.py 8000")
        return
    # 获取终端命令行参数
    port = int(sys.argv[1])
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # 设置端口号复用, 程序退出端口立即释放
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", port))
    tcp_server_socket.listen(128)
    # 循环等待接受客户端的连接请求
    while True:
        new_socket, ip_port = tcp_server_socket.accept()
        # 当客户端和服务器建立连接程，创建子线程
        sub_thread = threading.Thread(target=handle_client_request, args=(new_socket,))
        # 设置守护主线程
        sub_thread.daemon = True
        # 启动子线程执行对应的任务
        sub_thread.start()


if __name__ == '__main__':
    main()
